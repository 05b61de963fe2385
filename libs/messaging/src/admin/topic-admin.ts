import type { AclAdmin } from './acls';
import type { OffsetAdmin } from './offsets';
import type { TopicConfigAdmin } from './topic-configs';

/** A topic to create when missing. */
export interface TopicSpec {
  topic: string;
  /** Default: the broker's `num.partitions`. */
  numPartitions?: number;
  /** Default: the broker's `default.replication.factor`. */
  replicationFactor?: number;
  /** Topic settings, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configEntries?: Readonly<Record<string, string>> | ReadonlyArray<{ name: string; value: string }>;
}

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
}

export interface PartitionDescription {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicDescription {
  topic: string;
  partitions: PartitionDescription[];
}

export interface CommittedOffset {
  partition: number;
  /** Next offset the group will read; `-1` when the group has committed nothing there. */
  offset: string;
}

/** Topic, group and ACL administration: provisioning, tests and operations. */
export interface TopicAdmin extends AclAdmin, TopicConfigAdmin, OffsetAdmin {
  /** Creates the topics that do not exist yet; existing topics are left as they are. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<EnsureTopicsResult>;
  /** Deletes the topics that exist; unknown names are ignored. */
  deleteTopics(topics: readonly string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  /** Partitions, leaders and replicas; rejects naming the topics that do not exist. */
  describeTopics(topics: readonly string[]): Promise<TopicDescription[]>;
  committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]>;
  disconnect(): Promise<void>;
}
