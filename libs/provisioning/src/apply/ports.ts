import type { TopicAdmin } from '@smis/messaging';

/** The part of the @smis/messaging admin that provisioning uses (a fake in unit tests). */
export type ProvisioningAdmin = Pick<
  TopicAdmin,
  | 'listTopics'
  | 'describeTopics'
  | 'describeTopicConfigs'
  | 'ensureTopics'
  | 'alterTopicConfigs'
  | 'createPartitions'
  | 'deleteTopics'
  | 'describeAcls'
  | 'createAcls'
  | 'deleteAcls'
>;

export interface ScramUserChange {
  user: string;
  /** Set (create or rotate) this password; leave out with `remove: true`. */
  password?: string;
  remove?: boolean;
}

/**
 * SCRAM-SHA-512 credentials. The Kafka client library cannot manage them, so the implementation
 * comes from outside (apps/cli runs Kafka's own ConfigCommand).
 */
export interface ScramUserAdmin {
  /** Users that have SCRAM-SHA-512 credentials. */
  listUsers(): Promise<string[]>;
  /** Sets or removes credentials, in order; rejects at the first failure. */
  apply(changes: readonly ScramUserChange[]): Promise<void>;
}
