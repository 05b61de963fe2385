import type { TestProject } from 'vitest/node';
import { provideKafka } from './kafka';
import { createTestDatabase } from './postgres';
import './context';

/**
 * Vitest global setup for integration tests: one real broker and one fresh database per run.
 * `npm test` starts the broker once for every project and passes it on as KAFKA_BROKERS.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string): void => void process.stderr.write(`[testing] ${line}\n`);
  const kafka = await provideKafka(log);
  const database = await createTestDatabase();
  project.provide('kafkaBrokers', kafka.brokers);
  project.provide('databaseUrl', database.url);
  return async () => {
    await database.drop().catch((error: Error) => log(`could not drop ${database.name}: ${error.message}`));
    await kafka.stop();
  };
}
