import { configDefaults, mergeConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.shared';

// Fault and security tests start clusters of their own (three nodes, SASL): no shared broker.
// One file at a time: bad-input and service-crashes both run the platform on the default topics
// and consumer groups, so side by side they would take each other's partitions.
// The broker-loss run (100,000 messages by default) is not part of `npm test`: it has its own
// configuration, vitest.broker-loss.config.ts (`npm run test:broker-loss`).
export default mergeConfig(projectConfig({ name: 'reliability', dir: __dirname, testTimeout: 300_000 }), {
  test: {
    fileParallelism: false,
    exclude: [...configDefaults.exclude, 'src/broker-loss.platform.int.spec.ts'],
  },
});
