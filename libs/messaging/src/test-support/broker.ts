// Test code only: lint's module boundaries do not yet tell test files (which may use the test
// harness) from library code, so this one file imports it for every messaging test.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { testKafkaBrokers, uniqueName } from '@smis/testing';
import { createKafka, type KafkaClient } from '../client/kafka-client';
import type { TopicAdmin } from '../admin/topic-admin';
import { silentLogger, stderrLogger } from '../logger';

export { uniqueName };

/** A client on the test broker; quiet unless MESSAGING_TEST_LOGS is set. */
export function testClient(): KafkaClient {
  return createKafka({
    brokers: testKafkaBrokers(),
    clientId: uniqueName('messaging-test'),
    logger: process.env.MESSAGING_TEST_LOGS ? stderrLogger('debug') : silentLogger,
  });
}

/** Creates a fresh topic (single partition unless told) and returns its name. */
export async function freshTopic(admin: TopicAdmin, prefix: string, numPartitions = 1): Promise<string> {
  const topic = uniqueName(prefix);
  await admin.ensureTopics([{ topic, numPartitions, replicationFactor: 1 }]);
  return topic;
}
