import { mergeConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.shared';

// Real Kafka and PostgreSQL from the shared global setup (KAFKA_BROKERS / DATABASE_URL when set).
export default mergeConfig(
  projectConfig({ name: 'citizen-app-e2e', dir: __dirname, integration: true, testTimeout: 180_000 }),
  {
    test: { include: ['src/**/*.e2e.spec.ts'], fileParallelism: false },
  },
);
