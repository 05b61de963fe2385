import { TOPICS } from '@smis/contracts';
import { DEFAULT_WEBHOOK_RETRY, type WebhookRetryPolicy } from './webhooks/retry-schedule';

export interface WebhookConfig {
  retry: WebhookRetryPolicy;
  /** One attempt's budget: connect, send, answer (default 10 s). */
  timeoutMs: number;
  /** How often each instance looks for due deliveries (default 1 s); events of this instance wake it at once. */
  pollIntervalMs: number;
  /** Deliveries claimed per round (default 20), sent concurrently. */
  batchSize: number;
  /** Where deliveries that exhausted the retry window go (default `smis.status.webhooks.dlq`). */
  deadLetterTopic: string;
  /** Accept `http:` URLs (default false: `https:` only). For local runs and tests. */
  allowInsecureUrls: boolean;
}

/** The status service's settings, validated by `validateStatusConfig`. */
export interface StatusConfig {
  /** PostgreSQL URL; without it, embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** The embedded database's directory (as `openServiceDataSource` takes it). */
  dataDir?: string;
  /** The service's own schema (default `status`). */
  schema: string;
  /** Key (32 bytes) that encrypts webhook secrets at rest. */
  webhookSecretKey: Buffer;
  /** Where delivery events come from (default `smis.events.v1`). */
  eventsTopic: string;
  /** Consumer group of the events consumer (default `smis-status`). */
  consumerGroupId: string;
  /**
   * Partitions of the events topic handled at the same time, each still in order (default 4).
   * Each fetched batch of a partition is recorded in one transaction.
   */
  partitionsConsumedConcurrently: number;
  /**
   * Create a sender's status topic on its first event when missing (default true). Turn off where
   * topics come only from provisioning (`provisionSenderAccess`, Strimzi KafkaTopic).
   */
  createStatusTopics: boolean;
  /** Request header the gateway sets to the authenticated sender id (default `x-smis-sender-id`). */
  principalHeader: string;
  webhooks: WebhookConfig;
}

/** What `StatusModule.register` takes: everything but the key has a default. */
export type StatusConfigInput = Partial<Omit<StatusConfig, 'webhooks' | 'webhookSecretKey'>> & {
  webhookSecretKey: Buffer | string;
  webhooks?: Partial<Omit<WebhookConfig, 'retry'>> & { retry?: Partial<WebhookRetryPolicy> };
};

export class StatusConfigError extends Error {
  override readonly name = 'StatusConfigError';
}

export const STATUS_DEFAULTS = Object.freeze({
  schema: 'status',
  eventsTopic: TOPICS.events,
  consumerGroupId: 'smis-status',
  partitionsConsumedConcurrently: 4,
  createStatusTopics: true,
  principalHeader: 'x-smis-sender-id',
  webhooks: Object.freeze({
    retry: DEFAULT_WEBHOOK_RETRY,
    timeoutMs: 10_000,
    pollIntervalMs: 1_000,
    batchSize: 20,
    deadLetterTopic: 'smis.status.webhooks.dlq',
    allowInsecureUrls: false,
  }),
});

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const HEADER_NAME = /^[a-z0-9-]{1,64}$/;

/** Fills the defaults and checks every field, naming each one that is wrong. */
export function validateStatusConfig(input: StatusConfigInput): StatusConfig {
  const problems: string[] = [];
  const key =
    typeof input.webhookSecretKey === 'string'
      ? Buffer.from(input.webhookSecretKey, 'base64')
      : input.webhookSecretKey;
  if (!Buffer.isBuffer(key) || key.length !== 32) {
    problems.push(
      'webhookSecretKey must be 32 bytes (base64 in SMIS_STATUS_WEBHOOK_SECRET_KEY; `openssl rand -base64 32`)',
    );
  }
  const retry = { ...DEFAULT_WEBHOOK_RETRY, ...input.webhooks?.retry };
  const webhooks: WebhookConfig = { ...STATUS_DEFAULTS.webhooks, ...input.webhooks, retry };
  const config: StatusConfig = {
    databaseUrl: input.databaseUrl || undefined,
    dataDir: input.dataDir || undefined,
    schema: input.schema ?? STATUS_DEFAULTS.schema,
    webhookSecretKey: key,
    eventsTopic: input.eventsTopic ?? STATUS_DEFAULTS.eventsTopic,
    consumerGroupId: input.consumerGroupId ?? STATUS_DEFAULTS.consumerGroupId,
    partitionsConsumedConcurrently:
      input.partitionsConsumedConcurrently ?? STATUS_DEFAULTS.partitionsConsumedConcurrently,
    createStatusTopics: input.createStatusTopics ?? STATUS_DEFAULTS.createStatusTopics,
    principalHeader: (input.principalHeader ?? STATUS_DEFAULTS.principalHeader).toLowerCase(),
    webhooks,
  };
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl))
    problems.push('databaseUrl must be a postgres:// URL');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(config.schema))
    problems.push(`schema '${config.schema}' must be lower-case letters, digits and _`);
  for (const field of ['eventsTopic', 'consumerGroupId'] as const) {
    if (!TOPIC_NAME.test(config[field]))
      problems.push(`${field} '${config[field]}' is not a valid Kafka name`);
  }
  if (!TOPIC_NAME.test(webhooks.deadLetterTopic))
    problems.push(`webhooks.deadLetterTopic '${webhooks.deadLetterTopic}' is not a valid topic name`);
  if (!HEADER_NAME.test(config.principalHeader))
    problems.push(`principalHeader '${config.principalHeader}' is not a header name`);
  if (!(Number.isInteger(config.partitionsConsumedConcurrently) && config.partitionsConsumedConcurrently > 0))
    problems.push(
      `partitionsConsumedConcurrently must be a positive integer (got ${config.partitionsConsumedConcurrently})`,
    );
  const positive: Array<[string, number]> = [
    ['webhooks.timeoutMs', webhooks.timeoutMs],
    ['webhooks.pollIntervalMs', webhooks.pollIntervalMs],
    ['webhooks.batchSize', webhooks.batchSize],
    ['webhooks.retry.windowMs', retry.windowMs],
    ['webhooks.retry.initialDelayMs', retry.initialDelayMs],
  ];
  for (const [name, value] of positive) {
    if (!(Number.isFinite(value) && value > 0))
      problems.push(`${name} must be a positive number (got ${value})`);
  }
  if (!Number.isInteger(webhooks.batchSize)) problems.push('webhooks.batchSize must be an integer');
  if (!(retry.factor >= 1)) problems.push(`webhooks.retry.factor must be ≥ 1 (got ${retry.factor})`);
  if (!(retry.jitter >= 0 && retry.jitter <= 1))
    problems.push(`webhooks.retry.jitter must be within [0, 1] (got ${retry.jitter})`);
  if (!(retry.maxDelayMs >= retry.initialDelayMs))
    problems.push(`webhooks.retry.maxDelayMs must be ≥ initialDelayMs (got ${retry.maxDelayMs})`);
  if (problems.length > 0)
    throw new StatusConfigError(`Invalid status configuration: ${problems.join('; ')}`);
  return config;
}

function integer(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new StatusConfigError(`${name} must be a positive integer, not '${raw}'`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new StatusConfigError(`${name} must be true or false, not '${raw}'`);
}

/**
 * Reads the configuration from the environment: `SMIS_STATUS_*`, plus the platform's
 * `DATABASE_URL` and `SMIS_DATA_DIR` (the embedded database goes to `<SMIS_DATA_DIR>/pglite`).
 */
export function loadStatusConfig(env: NodeJS.ProcessEnv = process.env): StatusConfig {
  const key = env.SMIS_STATUS_WEBHOOK_SECRET_KEY?.trim();
  if (!key) {
    throw new StatusConfigError(
      'SMIS_STATUS_WEBHOOK_SECRET_KEY is not set: give 32 random bytes in base64 (`openssl rand -base64 32`); it encrypts webhook secrets at rest',
    );
  }
  const dataDir = env.SMIS_DATA_DIR?.trim();
  const drop = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  return validateStatusConfig({
    webhookSecretKey: key,
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: dataDir ? `${dataDir}/pglite` : undefined,
    ...drop({
      eventsTopic: env.SMIS_STATUS_EVENTS_TOPIC?.trim() || undefined,
      consumerGroupId: env.SMIS_STATUS_CONSUMER_GROUP?.trim() || undefined,
      partitionsConsumedConcurrently: integer(env, 'SMIS_STATUS_PARTITIONS_CONSUMED_CONCURRENTLY'),
      createStatusTopics: flag(env, 'SMIS_STATUS_CREATE_TOPICS'),
      principalHeader: env.SMIS_STATUS_PRINCIPAL_HEADER?.trim() || undefined,
    }),
    webhooks: drop({
      timeoutMs: integer(env, 'SMIS_STATUS_WEBHOOK_TIMEOUT_MS'),
      pollIntervalMs: integer(env, 'SMIS_STATUS_WEBHOOK_POLL_INTERVAL_MS'),
      batchSize: integer(env, 'SMIS_STATUS_WEBHOOK_BATCH_SIZE'),
      deadLetterTopic: env.SMIS_STATUS_WEBHOOK_DLQ_TOPIC?.trim() || undefined,
      allowInsecureUrls: flag(env, 'SMIS_STATUS_WEBHOOK_ALLOW_HTTP'),
      retry: drop({
        windowMs: integer(env, 'SMIS_STATUS_WEBHOOK_RETRY_WINDOW_MS'),
        initialDelayMs: integer(env, 'SMIS_STATUS_WEBHOOK_RETRY_INITIAL_DELAY_MS'),
        maxDelayMs: integer(env, 'SMIS_STATUS_WEBHOOK_RETRY_MAX_DELAY_MS'),
      }),
    }),
  });
}
