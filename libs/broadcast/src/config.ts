import { BROADCAST_LIST_TOPIC, TOPICS } from '@smis/contracts';

export type PushProviderKind = 'fcm' | 'apns' | 'webpush';

/** How fast and how wide the per-device fan-out goes (ADR 1100). */
export interface FanOutConfig {
  /** Devices read per page (keyset on device id; the resume point is saved after each page). */
  pageSize: number;
  /** Pushes in flight at once. */
  concurrency: number;
  /**
   * Pushes per second per provider (token bucket, one second of burst). FCM allows 600,000
   * messages per minute per project: default 9,000/s leaves headroom for targeted messages.
   */
  ratesPerSecond: Record<PushProviderKind, number>;
}

/** The broadcast service's settings, validated by `validateBroadcastConfig`. */
export interface BroadcastConfig {
  databaseUrl?: string;
  dataDir?: string;
  /** Own schema (default `broadcast`). */
  schema: string;
  broadcastsTopic: string;
  /** Companion topic of explicit recipient lists (default `smis.broadcasts.lists.v1`, key broadcastId). */
  listsTopic: string;
  /** Aggregated progress records (default `smis.broadcasts.progress.v1`, key broadcastId). */
  progressTopic: string;
  /** Lifecycle statuses as DeliveryEvents (messageId = broadcastId), which the status service forwards. */
  eventsTopic: string;
  consumerGroupId: string;
  /** How often the schedule is polled (default 1 s; a new due broadcast also wakes it). */
  pollIntervalMs: number;
  /** How long a claimed broadcast stays with one instance without renewal (default 60 s). */
  leaseMs: number;
  /** Minimum time between two progress records of one running broadcast (default 5 s). */
  progressIntervalMs: number;
  /** Largest explicit list (default 20,000,000). */
  maxListRecipients: number;
  /** Largest list chunk (default 10,000). */
  maxChunkRecipients: number;
  /** Most regions in one broadcast (default 100). */
  maxRegions: number;
  fanOut: FanOutConfig;
}

export type BroadcastConfigInput = Partial<Omit<BroadcastConfig, 'fanOut'>> & {
  fanOut?: Partial<Omit<FanOutConfig, 'ratesPerSecond'>> & {
    ratesPerSecond?: Partial<Record<PushProviderKind, number>>;
  };
};

export class BroadcastConfigError extends Error {
  override readonly name = 'BroadcastConfigError';
}

export const BROADCAST_TOPICS = Object.freeze({
  lists: BROADCAST_LIST_TOPIC,
  progress: 'smis.broadcasts.progress.v1',
});

export const BROADCAST_DEFAULTS = Object.freeze({
  schema: 'broadcast',
  broadcastsTopic: TOPICS.broadcasts,
  listsTopic: BROADCAST_TOPICS.lists,
  progressTopic: BROADCAST_TOPICS.progress,
  eventsTopic: TOPICS.events,
  consumerGroupId: 'smis-broadcast',
  pollIntervalMs: 1_000,
  leaseMs: 60_000,
  progressIntervalMs: 5_000,
  maxListRecipients: 20_000_000,
  maxChunkRecipients: 10_000,
  maxRegions: 100,
  fanOut: Object.freeze({
    pageSize: 500,
    concurrency: 64,
    ratesPerSecond: Object.freeze({ fcm: 9_000, apns: 4_000, webpush: 2_000 }),
  }),
});

const NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Fills the defaults and checks every field, naming each one that is wrong. */
export function validateBroadcastConfig(input: BroadcastConfigInput = {}): BroadcastConfig {
  const d = BROADCAST_DEFAULTS;
  const config: BroadcastConfig = {
    databaseUrl: input.databaseUrl || undefined,
    dataDir: input.dataDir || undefined,
    schema: input.schema ?? d.schema,
    broadcastsTopic: input.broadcastsTopic ?? d.broadcastsTopic,
    listsTopic: input.listsTopic ?? d.listsTopic,
    progressTopic: input.progressTopic ?? d.progressTopic,
    eventsTopic: input.eventsTopic ?? d.eventsTopic,
    consumerGroupId: input.consumerGroupId ?? d.consumerGroupId,
    pollIntervalMs: input.pollIntervalMs ?? d.pollIntervalMs,
    leaseMs: input.leaseMs ?? d.leaseMs,
    progressIntervalMs: input.progressIntervalMs ?? d.progressIntervalMs,
    maxListRecipients: input.maxListRecipients ?? d.maxListRecipients,
    maxChunkRecipients: input.maxChunkRecipients ?? d.maxChunkRecipients,
    maxRegions: input.maxRegions ?? d.maxRegions,
    fanOut: {
      pageSize: input.fanOut?.pageSize ?? d.fanOut.pageSize,
      concurrency: input.fanOut?.concurrency ?? d.fanOut.concurrency,
      ratesPerSecond: { ...d.fanOut.ratesPerSecond, ...input.fanOut?.ratesPerSecond },
    },
  };
  const problems: string[] = [];
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl))
    problems.push('databaseUrl must be a postgres:// URL');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(config.schema))
    problems.push(`schema '${config.schema}' must be lower-case letters, digits and _`);
  for (const f of [
    'broadcastsTopic',
    'listsTopic',
    'progressTopic',
    'eventsTopic',
    'consumerGroupId',
  ] as const)
    if (!NAME.test(config[f])) problems.push(`${f} '${config[f]}' is not a valid Kafka name`);
  const positive: Array<[string, number]> = [
    ['pollIntervalMs', config.pollIntervalMs],
    ['leaseMs', config.leaseMs],
    ['progressIntervalMs', config.progressIntervalMs],
    ['maxListRecipients', config.maxListRecipients],
    ['maxChunkRecipients', config.maxChunkRecipients],
    ['maxRegions', config.maxRegions],
    ['fanOut.pageSize', config.fanOut.pageSize],
    ['fanOut.concurrency', config.fanOut.concurrency],
    ...Object.entries(config.fanOut.ratesPerSecond).map(
      ([k, v]) => [`fanOut.ratesPerSecond.${k}`, v] as [string, number],
    ),
  ];
  for (const [name, value] of positive)
    if (!(Number.isFinite(value) && value > 0))
      problems.push(`${name} must be a positive number (got ${value})`);
  if (config.fanOut.ratesPerSecond.fcm > 10_000)
    problems.push(
      'fanOut.ratesPerSecond.fcm must stay within the FCM quota of 600,000 per minute (10,000/s)',
    );
  if (problems.length > 0)
    throw new BroadcastConfigError(`Invalid broadcast configuration: ${problems.join('; ')}`);
  return config;
}

function integer(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new BroadcastConfigError(`${name} must be a positive integer, not '${raw}'`);
  return value;
}

/**
 * `DATABASE_URL`, `SMIS_DATA_DIR` and `SMIS_BROADCAST_*`: `SCHEMA`, `BROADCASTS_TOPIC`,
 * `LISTS_TOPIC`, `PROGRESS_TOPIC`, `EVENTS_TOPIC`, `CONSUMER_GROUP`, `POLL_INTERVAL_MS`,
 * `LEASE_MS`, `PROGRESS_INTERVAL_MS`, `MAX_LIST_RECIPIENTS`, `PAGE_SIZE`, `CONCURRENCY`,
 * `FCM_RATE`, `APNS_RATE`, `WEBPUSH_RATE` (pushes per second).
 */
export function loadBroadcastConfig(env: NodeJS.ProcessEnv = process.env): BroadcastConfig {
  const P = 'SMIS_BROADCAST_';
  const text = (name: string) => env[`${P}${name}`]?.trim() || undefined;
  const drop = <T extends object>(v: T): T =>
    Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as T;
  const dataDir = env.SMIS_DATA_DIR?.trim();
  return validateBroadcastConfig({
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: dataDir ? `${dataDir}/pglite` : undefined,
    ...drop({
      schema: text('SCHEMA'),
      broadcastsTopic: text('BROADCASTS_TOPIC'),
      listsTopic: text('LISTS_TOPIC'),
      progressTopic: text('PROGRESS_TOPIC'),
      eventsTopic: text('EVENTS_TOPIC'),
      consumerGroupId: text('CONSUMER_GROUP'),
      pollIntervalMs: integer(env, `${P}POLL_INTERVAL_MS`),
      leaseMs: integer(env, `${P}LEASE_MS`),
      progressIntervalMs: integer(env, `${P}PROGRESS_INTERVAL_MS`),
      maxListRecipients: integer(env, `${P}MAX_LIST_RECIPIENTS`),
    }),
    fanOut: drop({
      pageSize: integer(env, `${P}PAGE_SIZE`),
      concurrency: integer(env, `${P}CONCURRENCY`),
      ratesPerSecond: drop({
        fcm: integer(env, `${P}FCM_RATE`),
        apns: integer(env, `${P}APNS_RATE`),
        webpush: integer(env, `${P}WEBPUSH_RATE`),
      }),
    }),
  });
}
