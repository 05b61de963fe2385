import swc from 'unplugin-swc';
import tsconfigPaths from 'vite-tsconfig-paths';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

// Vite injects __dirname into every bundled config file, ESM or not.
const root = __dirname;

/**
 * The one vitest configuration every project extends. SWC compiles the TypeScript so NestJS
 * decorator metadata survives; tsconfig paths resolve the `@smis/*` aliases.
 *
 * `integration: true` adds the global setup that provides a real Kafka broker and a fresh
 * PostgreSQL database (see libs/testing).
 */
export function projectConfig(options: {
  name: string;
  dir: string;
  integration?: boolean;
  testTimeout?: number;
}): ViteUserConfig {
  return defineConfig({
    root: options.dir,
    plugins: [
      tsconfigPaths({ root, projects: [`${root}/tsconfig.json`] }),
      swc.vite({ jsc: { target: 'es2022', transform: { legacyDecorator: true, decoratorMetadata: true } } }),
    ],
    test: {
      name: options.name,
      environment: 'node',
      include: ['src/**/*.spec.ts'],
      globalSetup: options.integration ? [`${root}/libs/testing/src/global-setup.ts`] : [],
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 180_000,
      pool: 'forks',
      reporters: ['default'],
    },
  });
}
