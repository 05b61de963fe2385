/**
 * The platform's configuration, read from the environment once at boot and validated:
 * the process refuses to start on a bad value, with a message naming the variable.
 */
export interface PlatformConfig {
  host: string;
  port: number;
  /** Bootstrap servers; `npm start` and the tests always set it. */
  kafkaBrokers: string[];
  kafkaClientId: string;
  /** PostgreSQL URL; unset means embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** How long /health waits for a dependency before calling it down. */
  healthTimeoutMs: number;
  /** Every secret of the local platform (created on first start; see @smis/keyring). */
  keyringFile: string;
  /** The sender registry (YAML `senders:` list); missing file = no senders yet. */
  sendersFile: string;
  /** SASL/SCRAM-SHA-512 credentials of this process, when the cluster requires them. */
  kafkaSasl?: { username: string; password: string };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Service modules this process hosts (SMIS_SERVICES: a comma list, `all` or `none`). */
  services: ReadonlySet<ServiceModuleName>;
  /** Create missing topics from the provisioning file at start (local default: yes). */
  provisionTopics: boolean;
  provisioningFile?: string;
  /** Profile of the provisioning file (default `local`: sizes for one broker). */
  provisioningProfile?: string;
}

export const SERVICE_MODULES = [
  'identity',
  'gateway',
  'router',
  'app-channel',
  'sms-channel',
  'email-channel',
  'status',
  'broadcast',
] as const;
export type ServiceModuleName = (typeof SERVICE_MODULES)[number];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, not '${raw}'`);
  }
  return value;
}

export function loadPlatformConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    throw new ConfigError(
      'KAFKA_BROKERS is not set: give the bootstrap servers (host:port,...) or start with `npm start`',
    );
  }
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker))
      throw new ConfigError(`KAFKA_BROKERS has '${broker}', expected host:port`);
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      `DATABASE_URL must be a postgres:// URL, not '${databaseUrl.replace(/\/\/[^@]*@/, '//***@')}'`,
    );
  }
  const dataDir = env.SMIS_DATA_DIR?.trim() || '.smis';
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65535),
    kafkaBrokers: brokers,
    kafkaClientId: env.KAFKA_CLIENT_ID?.trim() || 'smis-platform',
    databaseUrl,
    dataDir,
    healthTimeoutMs: integer(env, 'HEALTH_TIMEOUT_MS', 3000, 100, 60_000),
    keyringFile: env.SMIS_KEYRING_FILE?.trim() || `${dataDir}/keys.json`,
    sendersFile: env.SMIS_SENDERS_FILE?.trim() || `${dataDir}/senders.yaml`,
    kafkaSasl: saslFrom(env),
    logLevel: logLevel(env),
    services: services(env),
    provisionTopics: !['0', 'false', 'no'].includes(
      (env.SMIS_PROVISION_TOPICS ?? 'true').trim().toLowerCase(),
    ),
    provisioningFile: env.SMIS_PROVISIONING_FILE?.trim() || undefined,
    provisioningProfile: env.SMIS_PROVISIONING_PROFILE?.trim() || 'local',
  };
}

function saslFrom(env: NodeJS.ProcessEnv): PlatformConfig['kafkaSasl'] {
  const username = env.KAFKA_SASL_USERNAME?.trim();
  const password = env.KAFKA_SASL_PASSWORD;
  if (!username && !password) return undefined;
  if (!username || !password) {
    throw new ConfigError('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be set together');
  }
  return { username, password };
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function logLevel(env: NodeJS.ProcessEnv): PlatformConfig['logLevel'] {
  const raw = (env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not '${raw}'`);
  }
  return raw as PlatformConfig['logLevel'];
}

function services(env: NodeJS.ProcessEnv): ReadonlySet<ServiceModuleName> {
  const raw = (env.SMIS_SERVICES ?? 'all').trim().toLowerCase();
  if (raw === 'all') return new Set(SERVICE_MODULES);
  if (raw === 'none' || raw === '') return new Set();
  const names = raw.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(SERVICE_MODULES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new ConfigError(
      `SMIS_SERVICES has unknown service(s) ${unknown.join(', ')}; known: ${SERVICE_MODULES.join(', ')}, all, none`,
    );
  }
  return new Set(names as ServiceModuleName[]);
}
