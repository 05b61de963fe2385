import { TOPICS } from '@smis/contracts';
import type { PlatformKeyring } from '@smis/keyring';
import { parseDomainKeyConfig, type DomainKeyConfig } from '@smis/pseudonym';

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (port 465). Otherwise STARTTLS when offered, required when `requireTls`. */
  secure: boolean;
  requireTls: boolean;
  /** Check the server certificate (default true; off only for local capture servers). */
  rejectUnauthorized: boolean;
  /**
   * PEM certificate(s) to trust for the server, instead of the system's CAs: a private CA or the
   * server's own self-signed certificate (the check stays on).
   */
  ca?: string;
  username?: string;
  password?: string;
  /** Optional DKIM signing. */
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  /** Connection and answer budget (default 15 s). */
  timeoutMs: number;
}

export interface EmailChannelConfig {
  databaseUrl?: string;
  dataDir?: string;
  /** Default `email_channel`. */
  schema: string;
  channelKey: { keyId: string; publicKey: Buffer; secretKey: Buffer };
  domainKey: DomainKeyConfig;
  /** From header, e.g. `SMIS <no-reply@smis.example>`. */
  from: string;
  smtp: SmtpConfig;
  topics: { jobs: string; registrations: string; events: string };
  consumerGroupPrefix: string;
  /**
   * Partitions each consumer handles at the same time, each still in order (default 4). Safe for
   * jobs: a submission is claimed by one conditional UPDATE before it is sent.
   */
  partitionsConsumedConcurrently: number;
  /** Temporary (4xx) failures tolerated per job before it is FAILED (default 5). */
  maxTemporaryFailures: number;
  /** A `sending` row older than this was interrupted and is sent again (default 120 s). */
  staleAfterMs: number;
}

export type EmailChannelConfigInput = Partial<Omit<EmailChannelConfig, 'smtp' | 'topics' | 'channelKey'>> & {
  channelKey: EmailChannelConfig['channelKey'] | { keyId: string; publicKey: string; secretKey: string };
  domainKey: DomainKeyConfig;
  smtp: Partial<SmtpConfig> & { host: string; port: number };
  topics?: Partial<EmailChannelConfig['topics']>;
};

export class EmailChannelConfigError extends Error {
  override readonly name = 'EmailChannelConfigError';
}

const b = (v: Buffer | string) => (typeof v === 'string' ? Buffer.from(v, 'base64') : v);

export function validateEmailChannelConfig(input: EmailChannelConfigInput): EmailChannelConfig {
  const problems: string[] = [];
  let domainKey = input.domainKey;
  try {
    domainKey = parseDomainKeyConfig(input.domainKey, 'domainKey');
    if (domainKey.domain !== 'email')
      problems.push(`domainKey is for domain '${domainKey.domain}', not 'email'`);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const config: EmailChannelConfig = {
    databaseUrl: input.databaseUrl || undefined,
    dataDir: input.dataDir || undefined,
    schema: input.schema ?? 'email_channel',
    channelKey: {
      keyId: input.channelKey?.keyId,
      publicKey: b(input.channelKey?.publicKey ?? ''),
      secretKey: b(input.channelKey?.secretKey ?? ''),
    },
    domainKey,
    from: input.from ?? 'SMIS <no-reply@smis.localhost>',
    smtp: { secure: false, requireTls: false, rejectUnauthorized: true, timeoutMs: 15_000, ...input.smtp },
    topics: {
      jobs: TOPICS.emailChannel,
      registrations: TOPICS.emailRegistrations,
      events: TOPICS.events,
      ...input.topics,
    },
    consumerGroupPrefix: input.consumerGroupPrefix ?? 'smis-email-channel',
    partitionsConsumedConcurrently: input.partitionsConsumedConcurrently ?? 4,
    maxTemporaryFailures: input.maxTemporaryFailures ?? 5,
    staleAfterMs: input.staleAfterMs ?? 120_000,
  };
  if (config.channelKey.publicKey.length !== 32 || config.channelKey.secretKey.length !== 32)
    problems.push('channelKey needs a 32-byte X25519 publicKey and secretKey');
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl))
    problems.push('databaseUrl must be a postgres:// URL');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(config.schema))
    problems.push(`schema '${config.schema}' is not a schema name`);
  if (!config.smtp.host || !(config.smtp.port > 0 && config.smtp.port < 65536))
    problems.push('smtp.host and smtp.port are required');
  if (!!config.smtp.username !== !!config.smtp.password)
    problems.push('smtp.username and smtp.password go together');
  if (
    config.smtp.dkim &&
    !(config.smtp.dkim.domainName && config.smtp.dkim.keySelector && config.smtp.dkim.privateKey)
  )
    problems.push('smtp.dkim needs domainName, keySelector and privateKey');
  if (config.smtp.ca !== undefined && !config.smtp.ca.includes('-----BEGIN CERTIFICATE-----'))
    problems.push('smtp.ca must be PEM certificates');
  if (!/@/.test(config.from)) problems.push('from must contain an address');
  if (!(config.maxTemporaryFailures >= 1)) problems.push('maxTemporaryFailures must be ≥ 1');
  if (!(Number.isInteger(config.partitionsConsumedConcurrently) && config.partitionsConsumedConcurrently > 0))
    problems.push('partitionsConsumedConcurrently must be a positive integer');
  if (problems.length > 0)
    throw new EmailChannelConfigError(`Invalid e-mail channel configuration: ${problems.join('; ')}`);
  return config;
}

/**
 * From the environment: `SMIS_EMAIL_SMTP_HOST`, `_PORT` (default 587), `_SECURE`, `_REQUIRE_TLS`,
 * `_USERNAME`, `_PASSWORD`, `_TLS_REJECT_UNAUTHORIZED`, `_TLS_CA` (PEM certificates to trust
 * instead of the system's CAs), `SMIS_EMAIL_DKIM_DOMAIN`, `_SELECTOR`,
 * `_PRIVATE_KEY` (PEM), `SMIS_EMAIL_FROM`, `SMIS_EMAIL_CONSUMER_GROUP_PREFIX`,
 * `SMIS_EMAIL_PARTITIONS_CONSUMED_CONCURRENTLY` (default 4), plus `DATABASE_URL`,
 * `SMIS_DATA_DIR`; keys from the keyring (email channel key pair, email domain key).
 */
export function loadEmailChannelConfig(env: NodeJS.ProcessEnv, keyring: PlatformKeyring): EmailChannelConfig {
  const domainKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'email');
  if (!domainKey) throw new EmailChannelConfigError('The keyring has no email domain key');
  const host = env.SMIS_EMAIL_SMTP_HOST?.trim();
  if (!host) throw new EmailChannelConfigError('SMIS_EMAIL_SMTP_HOST is not set');
  const flag = (name: string, fallback: boolean) => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    throw new EmailChannelConfigError(`${name} must be true or false`);
  };
  const dkimDomain = env.SMIS_EMAIL_DKIM_DOMAIN?.trim();
  const dataDir = env.SMIS_DATA_DIR?.trim();
  return validateEmailChannelConfig({
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dataDir: dataDir ? `${dataDir}/pglite` : undefined,
    channelKey: keyring.channels.email,
    domainKey,
    from: env.SMIS_EMAIL_FROM?.trim() || undefined,
    consumerGroupPrefix: env.SMIS_EMAIL_CONSUMER_GROUP_PREFIX?.trim() || undefined,
    partitionsConsumedConcurrently: env.SMIS_EMAIL_PARTITIONS_CONSUMED_CONCURRENTLY?.trim()
      ? Number(env.SMIS_EMAIL_PARTITIONS_CONSUMED_CONCURRENTLY)
      : undefined,
    smtp: {
      host,
      port: Number(env.SMIS_EMAIL_SMTP_PORT ?? 587),
      secure: flag('SMIS_EMAIL_SMTP_SECURE', false),
      requireTls: flag('SMIS_EMAIL_SMTP_REQUIRE_TLS', false),
      rejectUnauthorized: flag('SMIS_EMAIL_SMTP_TLS_REJECT_UNAUTHORIZED', true),
      ca: env.SMIS_EMAIL_SMTP_TLS_CA?.trim() || undefined,
      username: env.SMIS_EMAIL_SMTP_USERNAME?.trim() || undefined,
      password: env.SMIS_EMAIL_SMTP_PASSWORD || undefined,
      dkim: dkimDomain
        ? {
            domainName: dkimDomain,
            keySelector: env.SMIS_EMAIL_DKIM_SELECTOR?.trim() ?? '',
            privateKey: env.SMIS_EMAIL_DKIM_PRIVATE_KEY ?? '',
          }
        : undefined,
    },
  });
}
