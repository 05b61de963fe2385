export { uniqueName } from './names';
export { waitFor, waitForEvent, WaitForTimeoutError, type WaitForOptions } from './wait-for';
export { createTestDatabase, serverUrl, DEFAULT_DATABASE_URL, type TestDatabase } from './postgres';
export { provideKafka, type ProvidedKafka, type KafkaSource } from './kafka';
export { testKafkaBrokers, testDatabaseUrl } from './context';
