import { startLocalKafka } from '@smis/kafka-local';

export type KafkaSource = 'env' | 'testcontainers' | 'local';

export interface ProvidedKafka {
  /** Comma-separated bootstrap servers. */
  brokers: string;
  source: KafkaSource;
  stop(): Promise<void>;
}

/**
 * A real Kafka broker for tests, from the first source that works:
 * 1. `KAFKA_BROKERS` set by the user (nothing is started or stopped);
 * 2. Testcontainers' Kafka module, when a container runtime answers;
 * 3. the local broker from Apache Kafka's own jars (`tools/kafka`).
 */
export async function provideKafka(log: (line: string) => void = () => undefined): Promise<ProvidedKafka> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    log(`Kafka: using KAFKA_BROKERS=${fromEnv}`);
    return { brokers: fromEnv, source: 'env', stop: async () => undefined };
  }
  if (process.env.SMIS_NO_TESTCONTAINERS !== '1') {
    const container = await tryTestcontainers(log);
    if (container) return container;
  }
  log('Kafka: starting a local broker from the Apache Kafka jars (tools/kafka)');
  const cluster = await startLocalKafka({ nodes: 1, log });
  return { brokers: cluster.bootstrap, source: 'local', stop: () => cluster.stop() };
}

async function tryTestcontainers(log: (line: string) => void): Promise<ProvidedKafka | undefined> {
  let runtimeAnswers = false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    runtimeAnswers = true;
  } catch {
    log('Kafka: no container runtime answers; Testcontainers skipped');
    return undefined;
  }
  if (!runtimeAnswers) return undefined;
  const { KafkaContainer } = await import('@testcontainers/kafka');
  log('Kafka: starting apache/kafka with Testcontainers');
  const container = await new KafkaContainer('apache/kafka:4.1.0').withKraft().start();
  const brokers = `${container.getHost()}:${container.getMappedPort(9093)}`;
  return { brokers, source: 'testcontainers', stop: async () => void (await container.stop()) };
}
