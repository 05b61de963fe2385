import { ConfigResourceTypes, ConfigSource, type Admin } from 'kafkajs';
import { ConfigurationError, NonRetriableError } from '../errors';

/** One setting of a topic as the broker reports it. */
export interface TopicConfigEntry {
  name: string;
  /** `null` for sensitive settings, which the broker does not reveal. */
  value: string | null;
  /**
   * `topic`: set on this topic (an override); `broker`: from the broker's configuration;
   * `default`: Kafka's built-in default.
   */
  source: 'topic' | 'broker' | 'default';
  readOnly: boolean;
  sensitive: boolean;
}

export interface TopicConfigDescription {
  topic: string;
  /** Every setting of the topic, overrides and inherited values alike, sorted by name. */
  entries: TopicConfigEntry[];
}

export interface TopicOverrides {
  topic: string;
  /** The complete set of overrides the topic must have; settings left out return to their defaults. */
  configs: Readonly<Record<string, string>>;
}

/** Topic settings and partition counts; part of `TopicAdmin`. */
export interface TopicConfigAdmin {
  /** Every setting of each topic with where it comes from; rejects naming unknown topics. */
  describeTopicConfigs(topics: readonly string[]): Promise<TopicConfigDescription[]>;
  /**
   * Replaces each topic's overrides with exactly `configs` (Kafka's AlterConfigs semantics): an
   * override left out is removed. Read the current ones with `describeTopicConfigs` first when
   * only some should change.
   */
  alterTopicConfigs(changes: readonly TopicOverrides[]): Promise<void>;
  /** Grows a topic to `count` partitions; Kafka cannot shrink one, so a smaller count is refused. */
  createPartitions(topic: string, count: number): Promise<void>;
}

/** Where a setting comes from, by the protocol's config source code. */
const SOURCES: Readonly<Record<number, TopicConfigEntry['source']>> = {
  [ConfigSource.TOPIC_CONFIG]: 'topic',
  [ConfigSource.DYNAMIC_BROKER_CONFIG]: 'broker',
  [ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG]: 'broker',
  [ConfigSource.STATIC_BROKER_CONFIG]: 'broker',
  [ConfigSource.DEFAULT_CONFIG]: 'default',
};

type Call = <T>(what: string, operation: (client: Admin) => Promise<T>) => Promise<T>;

export function createTopicConfigAdmin(call: Call, listTopics: () => Promise<string[]>): TopicConfigAdmin {
  const requireTopics = async (topics: readonly string[]): Promise<void> => {
    const existing = new Set(await listTopics());
    const unknown = topics.filter((topic) => !existing.has(topic));
    if (unknown.length > 0)
      throw new NonRetriableError(`Unknown topics: ${unknown.join(', ')} (create them first)`, {
        topic: unknown[0],
      });
  };

  return {
    async describeTopicConfigs(topics) {
      if (topics.length === 0) return [];
      await requireTopics(topics);
      const answer = await call(`Could not describe the settings of ${topics.join(', ')}`, (client) =>
        client.describeConfigs({
          includeSynonyms: false,
          resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
        }),
      );
      const byName = new Map(answer.resources.map((resource) => [resource.resourceName, resource]));
      return topics.map((topic) => {
        const resource = byName.get(topic);
        if (!resource || resource.errorCode !== 0)
          throw new NonRetriableError(
            `The broker did not describe the settings of ${topic}: ${resource?.errorMessage ?? 'no answer for it'}`,
            { topic },
          );
        return {
          topic,
          entries: resource.configEntries
            .map((entry) => ({
              name: entry.configName,
              value: entry.isSensitive ? null : entry.configValue,
              source: SOURCES[entry.configSource] ?? (entry.isDefault ? 'default' : 'broker'),
              readOnly: entry.readOnly,
              sensitive: entry.isSensitive,
            }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        };
      });
    },

    async alterTopicConfigs(changes) {
      if (changes.length === 0) return;
      await requireTopics(changes.map((change) => change.topic));
      await call(`Could not alter the settings of ${changes.map((c) => c.topic).join(', ')}`, (client) =>
        client.alterConfigs({
          validateOnly: false,
          resources: changes.map((change) => ({
            type: ConfigResourceTypes.TOPIC,
            name: change.topic,
            configEntries: Object.entries(change.configs).map(([name, value]) => ({ name, value })),
          })),
        }),
      );
    },

    async createPartitions(topic, count) {
      if (!Number.isInteger(count) || count < 1)
        throw new ConfigurationError(
          `createPartitions(${topic}): count must be a positive integer, not ${count}`,
        );
      const [current] = await call(`Could not describe ${topic}`, (client) =>
        client.fetchTopicMetadata({ topics: [topic] }),
      ).then((metadata) => metadata.topics);
      const partitions = current?.partitions.length ?? 0;
      if (count === partitions) return;
      if (count < partitions)
        throw new NonRetriableError(
          `${topic} has ${partitions} partitions and Kafka cannot remove partitions (asked for ${count}); create a new topic instead`,
          { topic },
        );
      await call(`Could not grow ${topic} to ${count} partitions`, (client) =>
        client.createPartitions({ validateOnly: false, topicPartitions: [{ topic, count }] }),
      );
    },
  };
}
