import { TOPICS } from '@smis/contracts';
import type { PlatformKeyring } from '@smis/keyring';
import { parseDomainKeyConfig, type DomainKeyConfig } from '@smis/pseudonym';
import { DEFAULT_FAILOVER, type FailoverPolicy } from './failover/provider-selector';

export interface HttpProviderConfig {
  /** The gateway's base URL, e.g. `https://sms.operator.example/api/` (submits go to `<base>v1/sms`). */
  baseUrl: string;
  username: string;
  password: string;
  /** Bearer token the gateway presents on delivery-report callbacks. */
  callbackToken: string;
  /** One call's budget (default 10 s); no answer in time = outcome unknown. */
  timeoutMs: number;
}

export interface SmppProviderConfig {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  /** enquire_link period (default 30 s). */
  enquireLinkIntervalMs: number;
  /** First reconnect delay, doubled up to maxReconnectDelayMs (defaults 1 s / 30 s). */
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  /** Response timeout of one request (default 10 s). */
  timeoutMs: number;
}

export interface SmsProviderConfig {
  /** Lower-case id; names the callback route `/v1/sms/delivery-reports/<id>` and metric labels. */
  id: string;
  kind: 'http' | 'smpp';
  /** Configured failover weight (≥ 0; a 0-weight provider is used only when the others fail). */
  weight: number;
  /** Price of one segment in euros, for cost accounting. */
  pricePerSegment: number;
  http?: HttpProviderConfig;
  smpp?: SmppProviderConfig;
}

export interface ChannelKey {
  keyId: string;
  publicKey: Buffer;
  secretKey: Buffer;
}

export interface SmsChannelConfig {
  databaseUrl?: string;
  dataDir?: string;
  /** Default `sms_channel`. */
  schema: string;
  /** The channel's X25519 key pair: fallback texts and phone numbers are sealed to it. */
  channelKey: ChannelKey;
  /** The SMS pseudonymization domain's key. */
  domainKey: DomainKeyConfig;
  /** Originator shown on handsets (alphanumeric ≤ 11 or a number); default `SMIS`. */
  originator: string;
  /** Base URL at which providers reach this service (delivery-report callbacks), if any. */
  publicBaseUrl?: string;
  providers: SmsProviderConfig[];
  failover: FailoverPolicy;
  topics: { jobs: string; otpRequests: string; phoneRegistrations: string; events: string };
  /** Prefix of the consumer groups (`<prefix>-jobs`, `-otp`, `-registrations`, `-events`); default `smis-sms-channel`. */
  consumerGroupPrefix: string;
  /**
   * Partitions each consumer handles at the same time, each still in order (default 4). Safe for
   * jobs: a submission is claimed by one conditional UPDATE before any provider call (ADR 0701).
   */
  partitionsConsumedConcurrently: number;
  /**
   * SMS jobs of one fetched batch submitted at the same time (default 16): jobs are independent,
   * each filed and claimed by its own key before its provider call (ADR 0701), so a batch need not
   * wait for one provider round trip after another. `SMIS_SMS_JOB_CONCURRENCY`.
   */
  jobConcurrency: number;
  reconcile: {
    /** How often interrupted submissions are looked for (default 30 s). */
    intervalMs: number;
    /** A `submitting` row older than this is interrupted (default 60 s: longer than any provider timeout). */
    staleAfterMs: number;
  };
}

export type SmsChannelConfigInput = Partial<
  Omit<SmsChannelConfig, 'failover' | 'topics' | 'reconcile' | 'channelKey'>
> & {
  channelKey: ChannelKey | { keyId: string; publicKey: string; secretKey: string };
  domainKey: DomainKeyConfig;
  providers: SmsProviderConfig[];
  failover?: Partial<FailoverPolicy>;
  topics?: Partial<SmsChannelConfig['topics']>;
  reconcile?: Partial<SmsChannelConfig['reconcile']>;
};

export class SmsChannelConfigError extends Error {
  override readonly name = 'SmsChannelConfigError';
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

function toBuffer(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
}

/** Fills defaults and checks every field, naming each one that is wrong. */
export function validateSmsChannelConfig(input: SmsChannelConfigInput): SmsChannelConfig {
  const problems: string[] = [];
  const channelKey: ChannelKey = {
    keyId: input.channelKey?.keyId,
    publicKey: toBuffer(input.channelKey?.publicKey ?? Buffer.alloc(0)),
    secretKey: toBuffer(input.channelKey?.secretKey ?? Buffer.alloc(0)),
  };
  if (channelKey.publicKey.length !== 32 || channelKey.secretKey.length !== 32)
    problems.push('channelKey needs a 32-byte X25519 publicKey and secretKey');
  let domainKey = input.domainKey;
  try {
    domainKey = parseDomainKeyConfig(input.domainKey, 'domainKey');
    if (domainKey.domain !== 'sms') problems.push(`domainKey is for domain '${domainKey.domain}', not 'sms'`);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const config: SmsChannelConfig = {
    databaseUrl: input.databaseUrl || undefined,
    dataDir: input.dataDir || undefined,
    schema: input.schema ?? 'sms_channel',
    channelKey,
    domainKey,
    originator: input.originator ?? 'SMIS',
    publicBaseUrl: input.publicBaseUrl?.replace(/\/+$/, '') || undefined,
    providers: input.providers ?? [],
    failover: { ...DEFAULT_FAILOVER, ...input.failover },
    topics: {
      jobs: TOPICS.smsChannel,
      otpRequests: TOPICS.otpRequests,
      phoneRegistrations: TOPICS.phoneRegistrations,
      events: TOPICS.events,
      ...input.topics,
    },
    consumerGroupPrefix: input.consumerGroupPrefix ?? 'smis-sms-channel',
    partitionsConsumedConcurrently: input.partitionsConsumedConcurrently ?? 4,
    jobConcurrency: input.jobConcurrency ?? 16,
    reconcile: { intervalMs: 30_000, staleAfterMs: 60_000, ...input.reconcile },
  };
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl))
    problems.push('databaseUrl must be a postgres:// URL');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(config.schema))
    problems.push(`schema '${config.schema}' is not a schema name`);
  if (!/^([A-Za-z0-9 ]{1,11}|\+?[0-9]{3,15})$/.test(config.originator))
    problems.push('originator must be ≤ 11 letters/digits or a number of ≤ 15 digits');
  if (config.publicBaseUrl && !/^https?:\/\//.test(config.publicBaseUrl))
    problems.push('publicBaseUrl must be an http(s) URL');
  for (const [name, topic] of Object.entries(config.topics))
    if (!TOPIC_NAME.test(topic)) problems.push(`topics.${name} '${topic}' is not a topic name`);
  if (!TOPIC_NAME.test(config.consumerGroupPrefix))
    problems.push('consumerGroupPrefix is not a valid group name');
  if (!(Number.isInteger(config.jobConcurrency) && config.jobConcurrency > 0))
    problems.push('jobConcurrency (SMIS_SMS_JOB_CONCURRENCY) must be a positive integer');
  if (!(Number.isInteger(config.partitionsConsumedConcurrently) && config.partitionsConsumedConcurrently > 0))
    problems.push('partitionsConsumedConcurrently must be a positive integer');
  if (config.providers.length === 0) problems.push('providers: configure at least one SMS provider');
  const ids = new Set<string>();
  config.providers.forEach((p, i) => {
    const at = `providers[${i}]`;
    if (!PROVIDER_ID.test(p.id ?? ''))
      problems.push(`${at}.id must be lower-case letters, digits and dashes`);
    if (ids.has(p.id)) problems.push(`${at}.id '${p.id}' is listed twice`);
    ids.add(p.id);
    if (!(Number.isFinite(p.weight) && p.weight >= 0)) problems.push(`${at}.weight must be ≥ 0`);
    if (!(Number.isFinite(p.pricePerSegment) && p.pricePerSegment >= 0))
      problems.push(`${at}.pricePerSegment must be ≥ 0`);
    if (p.kind === 'http') {
      if (!p.http?.baseUrl || !/^https?:\/\//.test(p.http.baseUrl))
        problems.push(`${at}.http.baseUrl must be an http(s) URL`);
      else if (!p.http.baseUrl.endsWith('/')) p.http.baseUrl += '/';
      if (!p.http?.username || !p.http.password)
        problems.push(`${at}.http.username and password are required`);
      if (!p.http?.callbackToken || p.http.callbackToken.length < 16)
        problems.push(`${at}.http.callbackToken must have ≥ 16 characters`);
    } else if (p.kind === 'smpp') {
      if (!p.smpp?.host || !(p.smpp.port > 0 && p.smpp.port < 65536))
        problems.push(`${at}.smpp.host and port are required`);
      if (!p.smpp?.systemId || p.smpp.systemId.length > 15)
        problems.push(`${at}.smpp.systemId must be 1-15 characters`);
      if (p.smpp?.password === undefined || p.smpp.password.length > 8)
        problems.push(`${at}.smpp.password must be ≤ 8 characters`);
    } else problems.push(`${at}.kind must be http or smpp`);
  });
  if (config.providers.length > 0 && config.providers.every((p) => p.weight === 0))
    problems.push('providers: at least one needs a weight above 0');
  const f = config.failover;
  for (const key of ['step', 'recoverIntervalMs', 'slowReportMs', 'slowWindowMs'] as const)
    if (!(f[key] > 0)) problems.push(`failover.${key} must be > 0`);
  if (!(f.cooldownMs >= 0)) problems.push('failover.cooldownMs must be ≥ 0');
  if (!(f.slowRatio > 0 && f.slowRatio <= 1)) problems.push('failover.slowRatio must be within (0, 1]');
  if (!(config.reconcile.intervalMs > 0 && config.reconcile.staleAfterMs >= 0))
    problems.push('reconcile.intervalMs must be > 0 and staleAfterMs ≥ 0');
  if (problems.length > 0)
    throw new SmsChannelConfigError(`Invalid SMS channel configuration: ${problems.join('; ')}`);
  return config;
}

function num(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new SmsChannelConfigError(`${name} must be a number, not '${raw}'`);
  return value;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new SmsChannelConfigError(`${name} is not set`);
  return value;
}

function providerFromEnv(env: NodeJS.ProcessEnv, id: string): SmsProviderConfig {
  const p = `SMIS_SMS_PROVIDER_${id.toUpperCase().replace(/-/g, '_')}_`;
  const kind = required(env, `${p}KIND`);
  const common = {
    id,
    weight: num(env, `${p}WEIGHT`) ?? 50,
    pricePerSegment: num(env, `${p}PRICE_EUR`) ?? 0,
  };
  if (kind === 'http') {
    return {
      ...common,
      kind,
      http: {
        baseUrl: required(env, `${p}URL`),
        username: required(env, `${p}USERNAME`),
        password: required(env, `${p}PASSWORD`),
        callbackToken: required(env, `${p}CALLBACK_TOKEN`),
        timeoutMs: num(env, `${p}TIMEOUT_MS`) ?? 10_000,
      },
    };
  }
  if (kind === 'smpp') {
    return {
      ...common,
      kind,
      smpp: {
        host: required(env, `${p}HOST`),
        port: num(env, `${p}PORT`) ?? 2775,
        systemId: required(env, `${p}SYSTEM_ID`),
        password: env[`${p}PASSWORD`] ?? '',
        systemType: env[`${p}SYSTEM_TYPE`]?.trim() ?? '',
        enquireLinkIntervalMs: num(env, `${p}ENQUIRE_LINK_MS`) ?? 30_000,
        reconnectDelayMs: num(env, `${p}RECONNECT_MS`) ?? 1_000,
        maxReconnectDelayMs: 30_000,
        timeoutMs: num(env, `${p}TIMEOUT_MS`) ?? 10_000,
      },
    };
  }
  throw new SmsChannelConfigError(`${p}KIND must be http or smpp, not '${kind}'`);
}

/** Fills an SMPP provider's optional settings. */
export function smppDefaults(
  smpp: Pick<SmppProviderConfig, 'host' | 'port' | 'systemId' | 'password'> & Partial<SmppProviderConfig>,
): SmppProviderConfig {
  return {
    systemType: '',
    enquireLinkIntervalMs: 30_000,
    reconnectDelayMs: 1_000,
    maxReconnectDelayMs: 30_000,
    timeoutMs: 10_000,
    ...smpp,
  };
}

/**
 * The configuration from the environment (`SMIS_SMS_*`, `DATABASE_URL`, `SMIS_DATA_DIR`) and the
 * keyring's SMS parts (channel key pair, sms domain key). Providers: `SMIS_SMS_PROVIDERS=a,b`
 * and per provider `SMIS_SMS_PROVIDER_<ID>_KIND` (http|smpp), `_WEIGHT`, `_PRICE_EUR`;
 * http: `_URL`, `_USERNAME`, `_PASSWORD`, `_CALLBACK_TOKEN`, `_TIMEOUT_MS`; smpp: `_HOST`,
 * `_PORT`, `_SYSTEM_ID`, `_PASSWORD`, `_SYSTEM_TYPE`, `_ENQUIRE_LINK_MS`, `_RECONNECT_MS`.
 * Consumers: `SMIS_SMS_CONSUMER_GROUP_PREFIX`, `SMIS_SMS_PARTITIONS_CONSUMED_CONCURRENTLY` (default 4).
 */
export function loadSmsChannelConfig(env: NodeJS.ProcessEnv, keyring: PlatformKeyring): SmsChannelConfig {
  const domainKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'sms');
  if (!domainKey) throw new SmsChannelConfigError('The keyring has no sms domain key');
  const ids = (env.SMIS_SMS_PROVIDERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0)
    throw new SmsChannelConfigError(
      'SMIS_SMS_PROVIDERS is not set: list the provider ids, e.g. `primary,backup`',
    );
  const dataDir = env.SMIS_DATA_DIR?.trim();
  const drop = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  return validateSmsChannelConfig({
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: dataDir ? `${dataDir}/pglite` : undefined,
    channelKey: keyring.channels.sms,
    domainKey,
    providers: ids.map((id) => providerFromEnv(env, id)),
    ...drop({
      originator: env.SMIS_SMS_ORIGINATOR?.trim() || undefined,
      publicBaseUrl: env.SMIS_SMS_PUBLIC_URL?.trim() || undefined,
      consumerGroupPrefix: env.SMIS_SMS_CONSUMER_GROUP_PREFIX?.trim() || undefined,
      partitionsConsumedConcurrently: num(env, 'SMIS_SMS_PARTITIONS_CONSUMED_CONCURRENTLY'),
      jobConcurrency: num(env, 'SMIS_SMS_JOB_CONCURRENCY'),
    }),
    failover: drop({
      step: num(env, 'SMIS_SMS_FAILOVER_STEP'),
      cooldownMs: num(env, 'SMIS_SMS_FAILOVER_COOLDOWN_MS'),
      recoverIntervalMs: num(env, 'SMIS_SMS_FAILOVER_RECOVER_INTERVAL_MS'),
      slowReportMs: num(env, 'SMIS_SMS_FAILOVER_SLOW_REPORT_MS'),
    }),
    reconcile: drop({
      intervalMs: num(env, 'SMIS_SMS_RECONCILE_INTERVAL_MS'),
      staleAfterMs: num(env, 'SMIS_SMS_RECONCILE_STALE_MS'),
    }),
  });
}
