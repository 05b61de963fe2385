import type { Admin, Kafka } from 'kafkajs';
import { translateClientError } from '../client/translate-error';
import { isRetriable, NonRetriableError } from '../errors';
import { withRetry } from '../retry/with-retry';
import type { MessagingLogger } from '../logger';
import { createAclAdmin } from './acls';
import { createOffsetAdmin } from './offsets';
import { createTopicConfigAdmin } from './topic-configs';
import type {
  CommittedOffset,
  EnsureTopicsResult,
  TopicAdmin,
  TopicDescription,
  TopicSpec,
} from './topic-admin';

export interface TopicAdminDependencies {
  kafka: Kafka;
  logger: MessagingLogger;
}

/** Uses the broker default for partitions / replication when the spec leaves it out. */
const BROKER_DEFAULT = -1;

export function createTopicAdmin({ kafka, logger }: TopicAdminDependencies): TopicAdmin {
  const admin: Admin = kafka.admin();
  let connecting: Promise<void> | undefined;

  const connected = async (): Promise<Admin> => {
    connecting ??= admin.connect().catch((error: unknown) => {
      connecting = undefined;
      throw translateClientError(error, 'Could not connect the admin client');
    });
    await connecting;
    return admin;
  };

  const call = async <T>(what: string, operation: (client: Admin) => Promise<T>): Promise<T> => {
    const client = await connected();
    try {
      return await operation(client);
    } catch (error) {
      throw translateClientError(error, what);
    }
  };

  const listTopics = (): Promise<string[]> => call('Could not list topics', (client) => client.listTopics());

  const ensureOnce = async (specs: readonly TopicSpec[]): Promise<EnsureTopicsResult> => {
    const existingNames = new Set(await listTopics());
    const missing = specs.filter((spec) => !existingNames.has(spec.topic));
    const existing = specs.filter((spec) => existingNames.has(spec.topic)).map((spec) => spec.topic);
    if (missing.length === 0) return { created: [], existing };
    await call(`Could not create topics ${missing.map((s) => s.topic).join(', ')}`, (client) =>
      // Resolves false when another process created them first: fine, they exist.
      client.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.numPartitions ?? BROKER_DEFAULT,
          replicationFactor: spec.replicationFactor ?? BROKER_DEFAULT,
          configEntries: toConfigEntries(spec.configEntries),
        })),
      }),
    );
    const created = missing.map((spec) => spec.topic);
    logger.info('Created topics', { topics: created });
    return { created, existing };
  };

  return {
    listTopics,
    ...createAclAdmin(call),
    ...createTopicConfigAdmin(call, listTopics),
    ...createOffsetAdmin(call),

    ensureTopics(specs: readonly TopicSpec[]): Promise<EnsureTopicsResult> {
      // Right after other topics were created, the broker may not serve the new metadata yet
      // ("does not host this topic-partition"): list again and retry.
      return withRetry(() => ensureOnce(specs), {
        retries: 6,
        initialDelayMs: 200,
        isRetriable: (error) => isRetriable(error) || causeIsRetriable(error),
      })();
    },

    async deleteTopics(topics: readonly string[]): Promise<void> {
      const existingNames = new Set(await listTopics());
      const present = topics.filter((topic) => existingNames.has(topic));
      if (present.length === 0) return;
      await call(`Could not delete topics ${present.join(', ')}`, (client) =>
        client.deleteTopics({ topics: present }),
      );
    },

    async describeTopics(topics: readonly string[]): Promise<TopicDescription[]> {
      const existingNames = new Set(await listTopics());
      const unknown = topics.filter((topic) => !existingNames.has(topic));
      if (unknown.length > 0)
        throw new NonRetriableError(`Unknown topics: ${unknown.join(', ')} (create them first)`, {
          topic: unknown[0],
        });
      const metadata = await call('Could not describe topics', (client) =>
        client.fetchTopicMetadata({ topics: [...topics] }),
      );
      return metadata.topics.map((topic) => ({
        topic: topic.name,
        partitions: topic.partitions
          .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
          .sort((a, b) => a.partition - b.partition),
      }));
    },

    async committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]> {
      const answer = await call(`Could not fetch the offsets of group ${groupId}`, (client) =>
        client.fetchOffsets({ groupId, topics: [topic] }),
      );
      const partitions = answer.find((entry) => entry.topic === topic)?.partitions ?? [];
      return partitions
        .map((p) => ({ partition: p.partition, offset: p.offset }))
        .sort((a, b) => a.partition - b.partition);
    },

    async disconnect(): Promise<void> {
      if (!connecting) return;
      await connecting.catch(() => undefined);
      connecting = undefined;
      await admin.disconnect();
    },
  };
}

function toConfigEntries(
  entries: TopicSpec['configEntries'],
): Array<{ name: string; value: string }> | undefined {
  if (!entries) return undefined;
  if (Array.isArray(entries)) return entries.map(({ name, value }) => ({ name, value }));
  return Object.entries(entries as Record<string, string>).map(([name, value]) => ({ name, value }));
}

/** Whether the client error behind one of ours says trying again may work. */
function causeIsRetriable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if ((current as { retriable?: unknown }).retriable === true) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
