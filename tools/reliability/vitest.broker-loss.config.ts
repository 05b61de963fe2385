import type { ViteUserConfig } from 'vitest/config';
// As every vitest.config.ts does (the root ESLint config exempts only that file name).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { projectConfig } from '../../vitest.shared';

/**
 * Issue #13's broker loss through the platform, alone: `npm run test:broker-loss`
 * (SMIS_BROKER_LOSS_MESSAGES, default 100,000). Excluded from vitest.config.ts, so `npm test`
 * never runs it. The test computes its own timeout from the number of messages.
 */
const base = projectConfig({ name: 'reliability-broker-loss', dir: __dirname });
// Replaced, not merged: mergeConfig would append this file to the shared `src/**/*.spec.ts`.
const config: ViteUserConfig = {
  ...base,
  test: { ...base.test, include: ['src/broker-loss.platform.int.spec.ts'], fileParallelism: false },
};
export default config;
