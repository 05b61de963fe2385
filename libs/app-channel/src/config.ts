import { TOPICS } from '@smis/contracts';
import type { PlatformKeyring } from '@smis/keyring';
import { parseDomainKeyConfig, type DomainKeyConfig } from '@smis/pseudonym';
import { existsSync, readFileSync } from 'node:fs';

/** FCM HTTP v1 with a service account (OAuth 2.0 JWT-bearer grant). */
export interface FcmConfig {
  /** The service account key file's fields that matter. */
  serviceAccount: { project_id: string; client_email: string; private_key: string; token_uri: string };
  /** Base URL of the FCM API (default https://fcm.googleapis.com). */
  endpoint: string;
  /** Base URL of the Instance ID API for topic subscriptions (default https://iid.googleapis.com). */
  iidEndpoint?: string;
}

/** APNs with token-based authentication (ES256 provider tokens). */
export interface ApnsConfig {
  teamId: string;
  keyId: string;
  /** The .p8 key, PKCS#8 PEM. */
  privateKey: string;
  /** The app's bundle id (apns-topic). */
  topic: string;
  /** https://api.push.apple.com, https://api.sandbox.push.apple.com, or an h2c URL (emulator). */
  endpoint: string;
}

/** Web Push with VAPID (RFC 8292); payloads encrypted aes128gcm (RFC 8291). */
export interface WebPushConfig {
  /** mailto: or https: contact of the operator. */
  subject: string;
  /** base64url P-256 keys, as web-push's generateVAPIDKeys gives them. */
  publicKey: string;
  privateKey: string;
  /** Accept http: subscription endpoints (local emulators only; default false). */
  allowInsecureEndpoints: boolean;
}

export interface PushConfig {
  fcm?: FcmConfig;
  apns?: ApnsConfig;
  webPush?: WebPushConfig;
  /** Attempts per device for throttled or transiently failing pushes (default 4). */
  maxAttempts: number;
  /** Backoff before the second attempt (default 250 ms), doubling, capped by maxBackoffMs (default 5 s). */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** One request's budget (default 10 s). */
  timeoutMs: number;
  /** Pushes in flight at once, over all partitions the jobs consumer handles (default 64). */
  concurrency: number;
}

/** The app channel's settings, validated by `validateAppChannelConfig`. */
export interface AppChannelConfig {
  databaseUrl?: string;
  dataDir?: string;
  /** Own schema (default `app_channel`). */
  schema: string;
  /** The app domain's pseudonym key (from the keyring). */
  domainKey: DomainKeyConfig;
  jobsTopic: string;
  eventsTopic: string;
  preferencesTopic: string;
  consumerGroupId: string;
  /** Partitions of the jobs topic handled at the same time, a batch each (default 12, as provisioned). */
  partitionsConsumedConcurrently: number;
  push: PushConfig;
  /** Largest accepted clock difference of a signed device request (default 5 min); also the replay window. */
  signatureMaxSkewMs: number;
  /** How often expired messages and replay records are deleted (default 60 s). */
  sweepIntervalMs: number;
  /** Largest inbox page (default 100). */
  maxPageSize: number;
  /** Prefix of the FCM topics broadcasts use: `<prefix>-all`, `<prefix>-region-<code>` (default `smis`). */
  broadcastTopicPrefix: string;
}

export type AppChannelConfigInput = Partial<Omit<AppChannelConfig, 'push' | 'domainKey'>> & {
  domainKey: DomainKeyConfig;
  push?: Partial<Omit<PushConfig, 'webPush'>> & {
    webPush?: Omit<WebPushConfig, 'allowInsecureEndpoints'> & { allowInsecureEndpoints?: boolean };
  };
};

export class AppChannelConfigError extends Error {
  override readonly name = 'AppChannelConfigError';
}

export const APP_CHANNEL_DEFAULTS = Object.freeze({
  schema: 'app_channel',
  jobsTopic: TOPICS.appChannel,
  eventsTopic: TOPICS.events,
  preferencesTopic: TOPICS.preferences,
  consumerGroupId: 'smis-app-channel',
  partitionsConsumedConcurrently: 12,
  signatureMaxSkewMs: 5 * 60_000,
  sweepIntervalMs: 60_000,
  maxPageSize: 100,
  broadcastTopicPrefix: 'smis',
  push: Object.freeze({
    maxAttempts: 4,
    initialBackoffMs: 250,
    maxBackoffMs: 5_000,
    timeoutMs: 10_000,
    concurrency: 64,
  }),
});

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Fills the defaults and checks every field, naming each one that is wrong. */
export function validateAppChannelConfig(input: AppChannelConfigInput): AppChannelConfig {
  const problems: string[] = [];
  let domainKey = input.domainKey;
  try {
    domainKey = parseDomainKeyConfig(input.domainKey);
    if (domainKey.domain !== 'app')
      problems.push(`domainKey must be the app domain's key (got ${domainKey.domain})`);
  } catch (error) {
    problems.push(`domainKey: ${(error as Error).message}`);
  }
  const push: PushConfig = {
    ...APP_CHANNEL_DEFAULTS.push,
    ...input.push,
    webPush: input.push?.webPush ? { allowInsecureEndpoints: false, ...input.push.webPush } : undefined,
  };
  const config: AppChannelConfig = {
    databaseUrl: input.databaseUrl || undefined,
    dataDir: input.dataDir || undefined,
    schema: input.schema ?? APP_CHANNEL_DEFAULTS.schema,
    domainKey,
    jobsTopic: input.jobsTopic ?? APP_CHANNEL_DEFAULTS.jobsTopic,
    eventsTopic: input.eventsTopic ?? APP_CHANNEL_DEFAULTS.eventsTopic,
    preferencesTopic: input.preferencesTopic ?? APP_CHANNEL_DEFAULTS.preferencesTopic,
    consumerGroupId: input.consumerGroupId ?? APP_CHANNEL_DEFAULTS.consumerGroupId,
    partitionsConsumedConcurrently:
      input.partitionsConsumedConcurrently ?? APP_CHANNEL_DEFAULTS.partitionsConsumedConcurrently,
    push,
    signatureMaxSkewMs: input.signatureMaxSkewMs ?? APP_CHANNEL_DEFAULTS.signatureMaxSkewMs,
    sweepIntervalMs: input.sweepIntervalMs ?? APP_CHANNEL_DEFAULTS.sweepIntervalMs,
    maxPageSize: input.maxPageSize ?? APP_CHANNEL_DEFAULTS.maxPageSize,
    broadcastTopicPrefix: input.broadcastTopicPrefix ?? APP_CHANNEL_DEFAULTS.broadcastTopicPrefix,
  };
  if (!/^[a-zA-Z0-9_.~-]{1,64}$/.test(config.broadcastTopicPrefix))
    problems.push(`broadcastTopicPrefix '${config.broadcastTopicPrefix}' must be 1-64 of [a-zA-Z0-9_.~-]`);
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl))
    problems.push('databaseUrl must be a postgres:// URL');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(config.schema))
    problems.push(`schema '${config.schema}' must be lower-case letters, digits and _`);
  for (const field of ['jobsTopic', 'eventsTopic', 'preferencesTopic', 'consumerGroupId'] as const) {
    if (!TOPIC_NAME.test(config[field]))
      problems.push(`${field} '${config[field]}' is not a valid Kafka name`);
  }
  const positive: Array<[string, number]> = [
    ['push.maxAttempts', push.maxAttempts],
    ['push.initialBackoffMs', push.initialBackoffMs],
    ['push.maxBackoffMs', push.maxBackoffMs],
    ['push.timeoutMs', push.timeoutMs],
    ['push.concurrency', push.concurrency],
    ['partitionsConsumedConcurrently', config.partitionsConsumedConcurrently],
    ['signatureMaxSkewMs', config.signatureMaxSkewMs],
    ['sweepIntervalMs', config.sweepIntervalMs],
    ['maxPageSize', config.maxPageSize],
  ];
  for (const [name, value] of positive) {
    if (!(Number.isFinite(value) && value > 0))
      problems.push(`${name} must be a positive number (got ${value})`);
  }
  for (const [name, value] of [
    ['push.concurrency', push.concurrency],
    ['partitionsConsumedConcurrently', config.partitionsConsumedConcurrently],
  ] as const) {
    if (Number.isFinite(value) && value > 0 && !Number.isInteger(value))
      problems.push(`${name} must be a whole number (got ${value})`);
  }
  if (push.fcm) {
    const a = push.fcm.serviceAccount;
    for (const f of ['project_id', 'client_email', 'private_key', 'token_uri'] as const)
      if (!a?.[f]) problems.push(`push.fcm.serviceAccount.${f} is missing`);
    if (!/^https?:\/\//.test(push.fcm.endpoint ?? ''))
      problems.push('push.fcm.endpoint must be an http(s) URL');
  }
  if (push.apns) {
    for (const f of ['teamId', 'keyId', 'privateKey', 'topic'] as const)
      if (!push.apns[f]) problems.push(`push.apns.${f} is missing`);
    if (!/^https?:\/\//.test(push.apns.endpoint ?? ''))
      problems.push('push.apns.endpoint must be an http(s) URL');
  }
  if (push.webPush) {
    if (!/^(mailto:|https:)/.test(push.webPush.subject))
      problems.push('push.webPush.subject must be a mailto: or https: URI');
    if (Buffer.from(push.webPush.publicKey ?? '', 'base64url').length !== 65)
      problems.push('push.webPush.publicKey must be a 65-byte P-256 key (base64url)');
    if (Buffer.from(push.webPush.privateKey ?? '', 'base64url').length !== 32)
      problems.push('push.webPush.privateKey must be a 32-byte P-256 key (base64url)');
  }
  if (problems.length > 0)
    throw new AppChannelConfigError(`Invalid app channel configuration: ${problems.join('; ')}`);
  return config;
}

function integer(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new AppChannelConfigError(`${name} must be a positive integer, not '${raw}'`);
  return value;
}

/** A value given inline or as `@/path/to/file` (PEM keys, JSON key files). */
function inlineOrFile(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!raw.startsWith('@')) return raw.replace(/\\n/g, '\n');
  const file = raw.slice(1);
  if (!existsSync(file)) throw new AppChannelConfigError(`${name}: file ${file} does not exist`);
  return readFileSync(file, 'utf8');
}

function drop<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Reads the configuration: the app domain key from the keyring, `SMIS_APP_CHANNEL_*` variables,
 * `DATABASE_URL` and `SMIS_DATA_DIR`. A provider is configured when its variables are set:
 * FCM: `SMIS_APP_CHANNEL_FCM_SERVICE_ACCOUNT` (JSON or `@file`), `SMIS_APP_CHANNEL_FCM_ENDPOINT`;
 * APNs: `SMIS_APP_CHANNEL_APNS_TEAM_ID`, `_APNS_KEY_ID`, `_APNS_PRIVATE_KEY` (PEM or `@file`),
 * `_APNS_TOPIC`, `_APNS_ENDPOINT`; Web Push: `SMIS_APP_CHANNEL_VAPID_SUBJECT`,
 * `_VAPID_PUBLIC_KEY`, `_VAPID_PRIVATE_KEY`, `_WEBPUSH_ALLOW_HTTP`. Throughput:
 * `SMIS_APP_CHANNEL_PARTITIONS_CONCURRENTLY`, `SMIS_APP_CHANNEL_PUSH_CONCURRENCY`.
 */
export function loadAppChannelConfig(
  env: NodeJS.ProcessEnv = process.env,
  keyring: Pick<PlatformKeyring, 'pseudonym'>,
): AppChannelConfig {
  const domainKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'app');
  if (!domainKey)
    throw new AppChannelConfigError('The keyring has no app-domain pseudonym key (pseudonym.domainKeys)');
  const P = 'SMIS_APP_CHANNEL_';
  const account = inlineOrFile(env, `${P}FCM_SERVICE_ACCOUNT`);
  let fcm: FcmConfig | undefined;
  if (account) {
    try {
      fcm = {
        serviceAccount: JSON.parse(account) as FcmConfig['serviceAccount'],
        endpoint: env[`${P}FCM_ENDPOINT`]?.trim() || 'https://fcm.googleapis.com',
        iidEndpoint: env[`${P}FCM_IID_ENDPOINT`]?.trim() || undefined,
      };
    } catch {
      throw new AppChannelConfigError(`${P}FCM_SERVICE_ACCOUNT is not a service account key file (JSON)`);
    }
  }
  const apnsKey = inlineOrFile(env, `${P}APNS_PRIVATE_KEY`);
  const apns: ApnsConfig | undefined = apnsKey
    ? {
        teamId: env[`${P}APNS_TEAM_ID`]?.trim() ?? '',
        keyId: env[`${P}APNS_KEY_ID`]?.trim() ?? '',
        privateKey: apnsKey,
        topic: env[`${P}APNS_TOPIC`]?.trim() ?? '',
        endpoint: env[`${P}APNS_ENDPOINT`]?.trim() || 'https://api.push.apple.com',
      }
    : undefined;
  const vapidPrivate = env[`${P}VAPID_PRIVATE_KEY`]?.trim();
  const webPush = vapidPrivate
    ? {
        subject: env[`${P}VAPID_SUBJECT`]?.trim() ?? '',
        publicKey: env[`${P}VAPID_PUBLIC_KEY`]?.trim() ?? '',
        privateKey: vapidPrivate,
        allowInsecureEndpoints: ['1', 'true', 'yes'].includes(
          env[`${P}WEBPUSH_ALLOW_HTTP`]?.trim().toLowerCase() ?? '',
        ),
      }
    : undefined;
  const dataDir = env.SMIS_DATA_DIR?.trim();
  return validateAppChannelConfig({
    domainKey,
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: dataDir ? `${dataDir}/pglite` : undefined,
    ...drop({
      schema: env[`${P}SCHEMA`]?.trim() || undefined,
      jobsTopic: env[`${P}JOBS_TOPIC`]?.trim() || undefined,
      eventsTopic: env[`${P}EVENTS_TOPIC`]?.trim() || undefined,
      preferencesTopic: env[`${P}PREFERENCES_TOPIC`]?.trim() || undefined,
      consumerGroupId: env[`${P}CONSUMER_GROUP`]?.trim() || undefined,
      partitionsConsumedConcurrently: integer(env, `${P}PARTITIONS_CONCURRENTLY`),
      signatureMaxSkewMs: integer(env, `${P}SIGNATURE_MAX_SKEW_MS`),
      sweepIntervalMs: integer(env, `${P}SWEEP_INTERVAL_MS`),
      broadcastTopicPrefix: env[`${P}BROADCAST_TOPIC_PREFIX`]?.trim() || undefined,
    }),
    push: drop({
      fcm,
      apns,
      webPush,
      maxAttempts: integer(env, `${P}PUSH_MAX_ATTEMPTS`),
      initialBackoffMs: integer(env, `${P}PUSH_INITIAL_BACKOFF_MS`),
      maxBackoffMs: integer(env, `${P}PUSH_MAX_BACKOFF_MS`),
      timeoutMs: integer(env, `${P}PUSH_TIMEOUT_MS`),
      concurrency: integer(env, `${P}PUSH_CONCURRENCY`),
    }),
  });
}
