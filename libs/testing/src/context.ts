import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap servers of a real Kafka broker. */
    kafkaBrokers: string;
    /** A fresh PostgreSQL database for this run. */
    databaseUrl: string;
  }
}

/** Bootstrap servers of the broker the global setup provided. */
export function testKafkaBrokers(): string[] {
  const brokers = inject('kafkaBrokers') ?? process.env.KAFKA_BROKERS;
  if (!brokers) {
    throw new Error(
      'No Kafka broker: add libs/testing global setup to this project (integration: true) or set KAFKA_BROKERS',
    );
  }
  return brokers.split(',').map((b) => b.trim());
}

/** URL of the fresh database the global setup created for this run. */
export function testDatabaseUrl(): string {
  const url = inject('databaseUrl');
  if (!url)
    throw new Error('No test database: add libs/testing global setup to this project (integration: true)');
  return url;
}
