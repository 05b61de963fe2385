import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = resolve(__dirname, '../..');

/** Unit and component tests of the citizen app in happy-dom (WebCrypto from Node). */
export default defineConfig({
  root: __dirname,
  esbuild: { jsx: 'automatic' },
  resolve: {
    alias: {
      '@smis/crypto': resolve(root, 'libs/crypto/src/browser.ts'),
      '@smis/message-content': resolve(root, 'libs/message-content/src/index.ts'),
      // Ionic's React wrappers bind `onIon*` events through @lit/react, whose Node build (picked
      // by the "node" export condition) never attaches listeners: use the browser build.
      '@lit/react': resolve(root, 'node_modules/@lit/react/index.js'),
    },
  },
  test: {
    name: 'citizen-app',
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts', 'src/**/*.spec.tsx', 'dev/**/*.spec.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    // Processed by Vite so that the alias above reaches their import of @lit/react.
    server: { deps: { inline: ['@ionic/react', '@stencil/react-output-target'] } },
    reporters: ['default'],
  },
});
