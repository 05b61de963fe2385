import { TOPICS } from '@smis/contracts';
import { parseDomainKeyConfig, type DomainKeyConfig } from '@smis/pseudonym';

export interface RouterTopics {
  requests: string;
  events: string;
  preferences: string;
  appChannel: string;
  smsChannel: string;
  emailChannel: string;
}

/** The router's settings, validated by `validateRouterConfig`. */
export interface RouterConfig {
  /** PostgreSQL URL; without it, embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir?: string;
  /** The router's own schema (default `router`). */
  schema: string;
  /** The router domain's secret key (keyring `pseudonym.domainKeys`, domain `router`). */
  routerDomainKey: DomainKeyConfig;
  topics: RouterTopics;
  /** Consumer group prefix: `<prefix>-requests`, `-events`, `-preferences` (default `smis-router`). */
  consumerGroupPrefix: string;
  /** How far in the future a request's createdAt may be (default 300 s). */
  maxClockSkewSeconds: number;
  /** Longest expiry a time-bound category may carry, from createdAt (default 7 days). */
  timeBoundMaxTtlSeconds: number;
  /** Longest a message over the sender's rate is deferred before it is rejected instead (default 300 s). */
  maxRateDelaySeconds: number;
  /**
   * The longest an instance waits between looks for due timers (default 1000 ms): it also wakes
   * at the next due time it knows of, so this only bounds the delay for timers set by others.
   */
  timerPollIntervalMs: number;
  /** Timers claimed per round (default 100); a full round is followed by the next at once. */
  timerBatchSize: number;
  /**
   * Partitions the requests and the events consumer each handle at once, each partition still in
   * order (default 4; `SMIS_ROUTER_CONSUMER_CONCURRENCY`).
   */
  consumerConcurrency: number;
  /** Delays of the consumers' retry topics (default 1 s, 10 s, 60 s). */
  retryDelaysMs: readonly number[];
}

export type RouterConfigInput = Partial<Omit<RouterConfig, 'topics' | 'routerDomainKey'>> & {
  routerDomainKey: DomainKeyConfig | string;
  topics?: Partial<RouterTopics>;
};

export class RouterConfigError extends Error {
  override readonly name = 'RouterConfigError';
}

export const ROUTER_DEFAULTS = Object.freeze({
  schema: 'router',
  consumerGroupPrefix: 'smis-router',
  maxClockSkewSeconds: 300,
  timeBoundMaxTtlSeconds: 7 * 24 * 3600,
  maxRateDelaySeconds: 300,
  timerPollIntervalMs: 1000,
  timerBatchSize: 100,
  consumerConcurrency: 4,
  retryDelaysMs: Object.freeze([1_000, 10_000, 60_000]),
  topics: Object.freeze({
    requests: TOPICS.requests,
    events: TOPICS.events,
    preferences: TOPICS.preferences,
    appChannel: TOPICS.appChannel,
    smsChannel: TOPICS.smsChannel,
    emailChannel: TOPICS.emailChannel,
  }),
});

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Fills the defaults and checks every field, naming each one that is wrong. */
export function validateRouterConfig(input: RouterConfigInput): RouterConfig {
  const problems: string[] = [];
  let routerDomainKey: DomainKeyConfig | undefined;
  try {
    const raw =
      typeof input.routerDomainKey === 'string' ? JSON.parse(input.routerDomainKey) : input.routerDomainKey;
    routerDomainKey = parseDomainKeyConfig(raw, 'routerDomainKey');
    if (routerDomainKey.domain !== 'router')
      problems.push(`routerDomainKey is for domain ${routerDomainKey.domain}, not router`);
  } catch (error) {
    problems.push(`routerDomainKey (SMIS_ROUTER_DOMAIN_KEY): ${(error as Error).message}`);
  }
  const config: RouterConfig = {
    databaseUrl: input.databaseUrl || undefined,
    dataDir: input.dataDir || undefined,
    schema: input.schema ?? ROUTER_DEFAULTS.schema,
    routerDomainKey: routerDomainKey as DomainKeyConfig,
    topics: { ...ROUTER_DEFAULTS.topics, ...input.topics },
    consumerGroupPrefix: input.consumerGroupPrefix ?? ROUTER_DEFAULTS.consumerGroupPrefix,
    maxClockSkewSeconds: input.maxClockSkewSeconds ?? ROUTER_DEFAULTS.maxClockSkewSeconds,
    timeBoundMaxTtlSeconds: input.timeBoundMaxTtlSeconds ?? ROUTER_DEFAULTS.timeBoundMaxTtlSeconds,
    maxRateDelaySeconds: input.maxRateDelaySeconds ?? ROUTER_DEFAULTS.maxRateDelaySeconds,
    timerPollIntervalMs: input.timerPollIntervalMs ?? ROUTER_DEFAULTS.timerPollIntervalMs,
    timerBatchSize: input.timerBatchSize ?? ROUTER_DEFAULTS.timerBatchSize,
    consumerConcurrency: input.consumerConcurrency ?? ROUTER_DEFAULTS.consumerConcurrency,
    retryDelaysMs: input.retryDelaysMs ?? ROUTER_DEFAULTS.retryDelaysMs,
  };
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl))
    problems.push('databaseUrl (DATABASE_URL) must be a postgres:// URL');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(config.schema))
    problems.push(`schema (SMIS_ROUTER_SCHEMA) '${config.schema}' must be lower-case letters, digits and _`);
  for (const [name, topic] of Object.entries(config.topics)) {
    if (!TOPIC_NAME.test(topic)) problems.push(`topics.${name} '${topic}' is not a valid topic name`);
  }
  if (!TOPIC_NAME.test(config.consumerGroupPrefix))
    problems.push(`consumerGroupPrefix '${config.consumerGroupPrefix}' is not a valid group name`);
  const positive: Array<[string, number]> = [
    ['maxClockSkewSeconds (SMIS_ROUTER_MAX_CLOCK_SKEW_SECONDS)', config.maxClockSkewSeconds],
    ['timeBoundMaxTtlSeconds (SMIS_ROUTER_TIME_BOUND_MAX_TTL_SECONDS)', config.timeBoundMaxTtlSeconds],
    ['timerPollIntervalMs (SMIS_ROUTER_TIMER_POLL_MS)', config.timerPollIntervalMs],
  ];
  for (const [name, value] of positive) {
    if (!(Number.isFinite(value) && value > 0))
      problems.push(`${name} must be a positive number (got ${value})`);
  }
  const counts: Array<[string, number]> = [
    ['timerBatchSize (SMIS_ROUTER_TIMER_BATCH_SIZE)', config.timerBatchSize],
    ['consumerConcurrency (SMIS_ROUTER_CONSUMER_CONCURRENCY)', config.consumerConcurrency],
  ];
  for (const [name, value] of counts) {
    if (!(Number.isInteger(value) && value > 0))
      problems.push(`${name} must be a positive whole number (got ${value})`);
  }
  if (!(config.maxRateDelaySeconds >= 0)) problems.push('maxRateDelaySeconds must be ≥ 0');
  if (!config.retryDelaysMs.every((d) => Number.isFinite(d) && d >= 0))
    problems.push('retryDelaysMs must be non-negative numbers');
  if (problems.length > 0)
    throw new RouterConfigError(`Invalid router configuration: ${problems.join('; ')}`);
  return config;
}

/** Reads `SMIS_ROUTER_*` (and `DATABASE_URL`, `SMIS_DATA_DIR`) variables. */
export function loadRouterConfig(
  env: NodeJS.ProcessEnv = process.env,
  routerDomainKey?: DomainKeyConfig,
): RouterConfig {
  const number = (name: string): number | undefined =>
    env[name] === undefined ? undefined : Number(env[name]);
  return validateRouterConfig({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.SMIS_DATA_DIR,
    schema: env.SMIS_ROUTER_SCHEMA,
    routerDomainKey: routerDomainKey ?? env.SMIS_ROUTER_DOMAIN_KEY ?? '',
    consumerGroupPrefix: env.SMIS_ROUTER_CONSUMER_GROUP,
    maxClockSkewSeconds: number('SMIS_ROUTER_MAX_CLOCK_SKEW_SECONDS'),
    timeBoundMaxTtlSeconds: number('SMIS_ROUTER_TIME_BOUND_MAX_TTL_SECONDS'),
    maxRateDelaySeconds: number('SMIS_ROUTER_MAX_RATE_DELAY_SECONDS'),
    timerPollIntervalMs: number('SMIS_ROUTER_TIMER_POLL_MS'),
    timerBatchSize: number('SMIS_ROUTER_TIMER_BATCH_SIZE'),
    consumerConcurrency: number('SMIS_ROUTER_CONSUMER_CONCURRENCY'),
  });
}
