/**
 * The provisioning file (`deploy/provisioning/platform.yaml`) after validation, with every
 * default filled in. Topic settings are Kafka's own keys, values as strings.
 */
export interface ProvisioningSpec {
  /** Where the file came from, for messages. */
  source: string;
  /** Directory that relative secret files are resolved against. */
  baseDir: string;
  /** Name of the Strimzi `Kafka` resource the generated `KafkaTopic`/`KafkaUser`s belong to. */
  clusterName: string;
  /** Compacted topic where apply records what it manages and the password fingerprints. */
  stateTopic: TopicDeclaration;
  topics: TopicDeclaration[];
  senders: SenderDeclaration[];
  services: ServiceDeclaration[];
}

export interface TopicDeclaration {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Every override the topic must carry (defaults merged in). */
  config: Record<string, string>;
  /** Retry topics `<name>.retry.1..n` with `retryConfig`; 0 for none. */
  retries: number;
  retryConfig: Record<string, string>;
  /** Whether `<name>.dlq` exists, with `dlqConfig`. */
  dlq: boolean;
  dlqConfig: Record<string, string>;
}

/** Where a SCRAM password comes from: an environment variable or a file (e.g. a mounted secret). */
export type PasswordReference = { env: string } | { file: string };

/** A topic name, or a prefix when written `prefix*`. */
export interface TopicPattern {
  name: string;
  prefixed: boolean;
}

export interface PrincipalDeclaration {
  /** SCRAM user name; the principal is `User:<user>`. */
  user: string;
  password: PasswordReference;
  /** Topics read (with their retry and DLQ topics when the topic has them). */
  consumes: TopicPattern[];
  produces: TopicPattern[];
  /** Topics it may create (e.g. the status service, a sender's status topic on its first event). */
  creates: TopicPattern[];
  /** Consumer group id prefixes the principal may use. */
  groupPrefixes: string[];
}

/** A sender system: user `<id>`, groups `<id>.*`, its status topic `smis.status.<id>.v1` (ADR 801). */
export interface SenderDeclaration extends PrincipalDeclaration {
  id: string;
  statusTopic: TopicDeclaration;
}

export interface ServiceDeclaration extends PrincipalDeclaration {
  name: string;
}
