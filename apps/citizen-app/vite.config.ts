import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { eboxStubMiddleware } from './dev/ebox-stub';

const root = resolve(__dirname, '../..');

/**
 * The citizen app's web build. esbuild compiles the TSX (automatic JSX runtime); the browser entry
 * of @smis/crypto (tweetnacl, no sodium-native) replaces the server one. `base: './'` makes the
 * build relocatable: the platform serves it under `/app/` (or anywhere) and Capacitor from the
 * WebView's root.
 */
export default defineConfig({
  root: __dirname,
  base: './',
  publicDir: resolve(__dirname, 'public'),
  esbuild: { jsx: 'automatic' },
  resolve: {
    alias: {
      '@smis/crypto': resolve(root, 'libs/crypto/src/browser.ts'),
      '@smis/message-content': resolve(root, 'libs/message-content/src/index.ts'),
    },
  },
  build: {
    outDir: resolve(root, 'dist/apps/citizen-app'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
  },
  server: {
    // `npx nx serve citizen-app`: the API on the platform (`npm start`), the e-Box stand-in here.
    proxy: { '/v1': process.env['SMIS_API_URL'] ?? 'http://127.0.0.1:8080' },
  },
  plugins: [
    {
      name: 'smis-ebox-stub',
      configureServer(server) {
        server.middlewares.use(eboxStubMiddleware());
      },
      configurePreviewServer(server) {
        server.middlewares.use(eboxStubMiddleware());
      },
    },
  ],
});
