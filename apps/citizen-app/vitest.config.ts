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
    },
  },
  test: {
    name: 'citizen-app',
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts', 'src/**/*.spec.tsx', 'dev/**/*.spec.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
