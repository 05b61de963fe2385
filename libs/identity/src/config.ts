import { TOPICS } from '@smis/contracts';
import type { PlatformKeyring, ServiceName } from '@smis/keyring';
import {
  parseSystemPublicKeyConfig,
  parseTranscryptorConfig,
  type SystemPublicKeyConfig,
  type TranscryptorConfig,
} from '@smis/pseudonym';
import { hkdfSync, type JsonWebKey } from 'node:crypto';

export interface RateLimit {
  /** Requests allowed per window. */
  max: number;
  windowSeconds: number;
}

export interface OidcConfig {
  /** `<issuer>/.well-known/openid-configuration`. */
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  /** This service's callback, `https://<host>/v1/identity/oidc/callback`, as registered at the provider. */
  redirectUri: string;
  /** Default `openid national_number`. */
  scope: string;
  /** ID token claim carrying the NISS (default `national_number`). */
  nationalNumberClaim: string;
  /** Accepted ID token signature algorithms (default RS256, PS256, ES256, EdDSA). */
  algorithms: string[];
  /** Default 30 s. */
  clockToleranceSeconds: number;
  /** How long a started OIDC enrolment may take (default 600 s). */
  transactionTtlSeconds: number;
}

/** The identity service's settings, validated by `validateIdentityConfig`. */
export interface IdentityConfig {
  databaseUrl?: string;
  dataDir?: string;
  /** Default `identity`. */
  schema: string;
  /** Transcryption factors (secret) and the system public key. */
  transcryptor: TranscryptorConfig;
  systemPublicKey: SystemPublicKeyConfig;
  /** The SMS channel's X25519 public key (32 bytes): numbers and codes are sealed to it. */
  smsChannelPublicKey: Buffer;
  credential: {
    /** Ed25519 private key (JWK) that signs enrolment credentials. */
    privateKey: JsonWebKey;
    publicKey: JsonWebKey;
    /** Earlier public keys still accepted and published (key rotation). */
    previousPublicKeys: JsonWebKey[];
    /** `iss` of credentials (default `smis-identity`). */
    issuer: string;
    /** Default 30 days. */
    ttlSeconds: number;
  };
  /** Bearer tokens of the services that may call the transcryptor. */
  serviceTokens: Partial<Record<ServiceName, string>>;
  /** Key of the HMAC over codes (with a per-enrolment salt). */
  codePepper: Buffer;
  /** Key of the HMAC that turns phone numbers and client addresses into rate-limit buckets. */
  rateLimitKey: Buffer;
  otp: {
    /** Default 600 s. */
    ttlSeconds: number;
    /** Wrong codes before the enrolment locks (default 5). */
    maxAttempts: number;
    /** Region for numbers typed without country code (default BE). */
    defaultRegion: string;
    /** SMS text; `{code}` is replaced by the code. */
    text: string;
  };
  rateLimits: { perNumber: RateLimit; perAddress: RateLimit };
  /** Take the client address from the first `X-Forwarded-For` entry (only behind a trusted proxy). */
  trustProxy: boolean;
  /** Strong authentication; absent = OIDC enrolment answers 503. */
  oidc?: OidcConfig;
  topics: { otpRequests: string; enrolmentAudit: string; phoneRegistrations: string };
  transcryption: {
    /** Largest batch accepted by POST /transcrypt (default 1000). */
    maxBatchSize: number;
    /** Worker threads (default: available parallelism). */
    workers?: number;
  };
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};

/** What `IdentityModule.register` takes: keys are required, the rest has defaults. */
export type IdentityConfigInput = DeepPartial<
  Omit<IdentityConfig, 'transcryptor' | 'systemPublicKey' | 'smsChannelPublicKey' | 'credential' | 'oidc'>
> & {
  transcryptor: TranscryptorConfig;
  systemPublicKey: SystemPublicKeyConfig;
  smsChannelPublicKey: Buffer | string;
  credential: Partial<IdentityConfig['credential']> & { privateKey: JsonWebKey; publicKey: JsonWebKey };
  oidc?: Partial<OidcConfig> & Pick<OidcConfig, 'discoveryUrl' | 'clientId' | 'clientSecret' | 'redirectUri'>;
  /** Root secret (32 bytes) for codePepper and rateLimitKey when those are not given; default: derived from the credential private key. */
  secretKey?: Buffer | string;
};

export class IdentityConfigError extends Error {
  override readonly name = 'IdentityConfigError';
}

export const IDENTITY_DEFAULTS = Object.freeze({
  schema: 'identity',
  credentialIssuer: 'smis-identity',
  credentialTtlSeconds: 30 * 24 * 3600,
  otp: Object.freeze({
    ttlSeconds: 600,
    maxAttempts: 5,
    defaultRegion: 'BE',
    text: 'Your SMIS enrolment code is {code}. It is valid for 10 minutes. Never share it.',
  }),
  rateLimits: Object.freeze({
    perNumber: Object.freeze({ max: 3, windowSeconds: 3600 }),
    perAddress: Object.freeze({ max: 20, windowSeconds: 3600 }),
  }),
  oidc: Object.freeze({
    scope: 'openid national_number',
    nationalNumberClaim: 'national_number',
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    clockToleranceSeconds: 30,
    transactionTtlSeconds: 600,
  }),
  maxBatchSize: 1000,
});

function derive(root: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', root, Buffer.from('smis-identity'), Buffer.from(label), 32));
}

function keyBytes(value: Buffer | string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
}

/** Fills the defaults and checks every field, naming each one that is wrong. */
export function validateIdentityConfig(input: IdentityConfigInput): IdentityConfig {
  const problems: string[] = [];
  const check = <T>(field: string, parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      problems.push(`${field}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const transcryptor = check('transcryptor', () => parseTranscryptorConfig(input.transcryptor));
  const systemPublicKey = check('systemPublicKey', () => parseSystemPublicKeyConfig(input.systemPublicKey));
  const smsKey = keyBytes(input.smsChannelPublicKey);
  if (!smsKey || smsKey.length !== 32) problems.push('smsChannelPublicKey must be 32 bytes (base64)');
  const cred = input.credential;
  if (cred?.privateKey?.kty !== 'OKP' || cred.privateKey.crv !== 'Ed25519' || !cred.privateKey.d)
    problems.push(
      'credential.privateKey must be an Ed25519 private JWK (keyring identity.credentialPrivateKey)',
    );
  if (cred?.publicKey?.kty !== 'OKP' || cred.publicKey.crv !== 'Ed25519' || !cred.publicKey.x)
    problems.push(
      'credential.publicKey must be an Ed25519 public JWK (keyring identity.credentialPublicKey)',
    );
  const root =
    keyBytes(input.secretKey) ??
    (cred?.privateKey?.d ? Buffer.from(cred.privateKey.d, 'base64url') : Buffer.alloc(0));
  if (root.length < 32) problems.push('secretKey must be at least 32 bytes');
  const otp = { ...IDENTITY_DEFAULTS.otp, ...input.otp };
  const rateLimits = {
    perNumber: { ...IDENTITY_DEFAULTS.rateLimits.perNumber, ...input.rateLimits?.perNumber },
    perAddress: { ...IDENTITY_DEFAULTS.rateLimits.perAddress, ...input.rateLimits?.perAddress },
  };
  const oidc: OidcConfig | undefined = input.oidc
    ? {
        ...IDENTITY_DEFAULTS.oidc,
        ...input.oidc,
        algorithms: input.oidc.algorithms ?? [...IDENTITY_DEFAULTS.oidc.algorithms],
      }
    : undefined;
  const config: IdentityConfig = {
    databaseUrl: input.databaseUrl || undefined,
    dataDir: input.dataDir || undefined,
    schema: input.schema ?? IDENTITY_DEFAULTS.schema,
    transcryptor: transcryptor as TranscryptorConfig,
    systemPublicKey: systemPublicKey as SystemPublicKeyConfig,
    smsChannelPublicKey: smsKey as Buffer,
    credential: {
      privateKey: cred?.privateKey,
      publicKey: cred?.publicKey,
      previousPublicKeys: cred?.previousPublicKeys ?? [],
      issuer: cred?.issuer ?? IDENTITY_DEFAULTS.credentialIssuer,
      ttlSeconds: cred?.ttlSeconds ?? IDENTITY_DEFAULTS.credentialTtlSeconds,
    },
    serviceTokens: { ...(input.serviceTokens as Partial<Record<ServiceName, string>>) },
    codePepper: keyBytes(input.codePepper as Buffer | undefined) ?? derive(root, 'otp-code-pepper-v1'),
    rateLimitKey: keyBytes(input.rateLimitKey as Buffer | undefined) ?? derive(root, 'rate-limit-key-v1'),
    otp,
    rateLimits,
    trustProxy: input.trustProxy ?? false,
    oidc,
    topics: {
      otpRequests: input.topics?.otpRequests ?? TOPICS.otpRequests,
      enrolmentAudit: input.topics?.enrolmentAudit ?? TOPICS.enrolmentAudit,
      phoneRegistrations: input.topics?.phoneRegistrations ?? TOPICS.phoneRegistrations,
    },
    transcryption: {
      maxBatchSize: input.transcryption?.maxBatchSize ?? IDENTITY_DEFAULTS.maxBatchSize,
      workers: input.transcryption?.workers,
    },
  };
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl))
    problems.push('databaseUrl must be a postgres:// URL');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(config.schema))
    problems.push(`schema '${config.schema}' must be lower-case letters, digits and _`);
  const positive: Array<[string, number | undefined]> = [
    ['credential.ttlSeconds', config.credential.ttlSeconds],
    ['otp.ttlSeconds', otp.ttlSeconds],
    ['otp.maxAttempts', otp.maxAttempts],
    ['rateLimits.perNumber.max', rateLimits.perNumber.max],
    ['rateLimits.perNumber.windowSeconds', rateLimits.perNumber.windowSeconds],
    ['rateLimits.perAddress.max', rateLimits.perAddress.max],
    ['rateLimits.perAddress.windowSeconds', rateLimits.perAddress.windowSeconds],
    ['transcryption.maxBatchSize', config.transcryption.maxBatchSize],
    ...(config.transcryption.workers === undefined
      ? []
      : ([['transcryption.workers', config.transcryption.workers]] as Array<[string, number]>)),
  ];
  for (const [name, value] of positive)
    if (!(Number.isInteger(value) && (value as number) > 0))
      problems.push(`${name} must be a positive integer (got ${value})`);
  if (!otp.text.includes('{code}')) problems.push('otp.text must contain {code}');
  for (const [name, token] of Object.entries(config.serviceTokens))
    if (typeof token !== 'string' || token.length < 16)
      problems.push(`serviceTokens.${name} must be at least 16 characters`);
  if (oidc) {
    for (const field of ['discoveryUrl', 'redirectUri'] as const) {
      try {
        const url = new URL(oidc[field]);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
      } catch {
        problems.push(`oidc.${field} must be an http(s) URL`);
      }
    }
    if (!oidc.clientId) problems.push('oidc.clientId is required');
    if (!oidc.clientSecret) problems.push('oidc.clientSecret is required');
    if (!oidc.scope.split(' ').includes('openid')) problems.push("oidc.scope must include 'openid'");
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(oidc.nationalNumberClaim))
      problems.push('oidc.nationalNumberClaim must be a claim name');
    if (oidc.algorithms.length === 0 || oidc.algorithms.some((a) => a === 'none' || a.startsWith('HS')))
      problems.push('oidc.algorithms must list asymmetric algorithms only');
    if (!(oidc.clockToleranceSeconds >= 0 && oidc.clockToleranceSeconds <= 300))
      problems.push('oidc.clockToleranceSeconds must be within [0, 300]');
    if (!(Number.isInteger(oidc.transactionTtlSeconds) && oidc.transactionTtlSeconds > 0))
      problems.push('oidc.transactionTtlSeconds must be a positive integer');
  }
  if (problems.length > 0)
    throw new IdentityConfigError(`Invalid identity configuration: ${problems.join('; ')}`);
  return config;
}

function integer(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new IdentityConfigError(`${name} must be a positive integer, not '${raw}'`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new IdentityConfigError(`${name} must be true or false, not '${raw}'`);
}

function text(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

function drop<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Reads the configuration: keys from the keyring (the transcryptor part of `pseudonym`, the SMS
 * channel's public key, the identity credential key pair, the service tokens), settings from
 * `SMIS_IDENTITY_*`, plus `DATABASE_URL` and `SMIS_DATA_DIR`. OIDC enrolment is on when
 * `SMIS_IDENTITY_OIDC_DISCOVERY_URL` is set.
 */
export function loadIdentityConfig(env: NodeJS.ProcessEnv, keyring: PlatformKeyring): IdentityConfig {
  const dataDir = text(env, 'SMIS_DATA_DIR');
  const discoveryUrl = text(env, 'SMIS_IDENTITY_OIDC_DISCOVERY_URL');
  const oidc = discoveryUrl
    ? {
        discoveryUrl,
        clientId: text(env, 'SMIS_IDENTITY_OIDC_CLIENT_ID') ?? '',
        clientSecret: text(env, 'SMIS_IDENTITY_OIDC_CLIENT_SECRET') ?? '',
        redirectUri: text(env, 'SMIS_IDENTITY_OIDC_REDIRECT_URI') ?? '',
        ...drop({
          scope: text(env, 'SMIS_IDENTITY_OIDC_SCOPE'),
          nationalNumberClaim: text(env, 'SMIS_IDENTITY_OIDC_NATIONAL_NUMBER_CLAIM'),
          algorithms: text(env, 'SMIS_IDENTITY_OIDC_ALGORITHMS')
            ?.split(',')
            .map((a) => a.trim()),
          transactionTtlSeconds: integer(env, 'SMIS_IDENTITY_OIDC_TRANSACTION_TTL_SECONDS'),
        }),
      }
    : undefined;
  return validateIdentityConfig({
    databaseUrl: text(env, 'DATABASE_URL'),
    dataDir: dataDir ? `${dataDir}/pglite` : undefined,
    transcryptor: keyring.pseudonym.transcryptor,
    systemPublicKey: keyring.pseudonym.public,
    smsChannelPublicKey: keyring.channels.sms.publicKey,
    credential: drop({
      privateKey: keyring.identity.credentialPrivateKey,
      publicKey: keyring.identity.credentialPublicKey,
      issuer: text(env, 'SMIS_IDENTITY_CREDENTIAL_ISSUER'),
      ttlSeconds: integer(env, 'SMIS_IDENTITY_CREDENTIAL_TTL_SECONDS'),
    }),
    serviceTokens: keyring.serviceTokens,
    secretKey: text(env, 'SMIS_IDENTITY_SECRET_KEY'),
    otp: drop({
      ttlSeconds: integer(env, 'SMIS_IDENTITY_OTP_TTL_SECONDS'),
      maxAttempts: integer(env, 'SMIS_IDENTITY_OTP_MAX_ATTEMPTS'),
      defaultRegion: text(env, 'SMIS_IDENTITY_PHONE_DEFAULT_REGION'),
    }),
    rateLimits: {
      perNumber: drop({
        max: integer(env, 'SMIS_IDENTITY_RATE_LIMIT_NUMBER_MAX'),
        windowSeconds: integer(env, 'SMIS_IDENTITY_RATE_LIMIT_NUMBER_WINDOW_SECONDS'),
      }),
      perAddress: drop({
        max: integer(env, 'SMIS_IDENTITY_RATE_LIMIT_ADDRESS_MAX'),
        windowSeconds: integer(env, 'SMIS_IDENTITY_RATE_LIMIT_ADDRESS_WINDOW_SECONDS'),
      }),
    },
    ...drop({ trustProxy: flag(env, 'SMIS_IDENTITY_TRUST_PROXY') }),
    oidc,
    transcryption: drop({
      maxBatchSize: integer(env, 'SMIS_IDENTITY_TRANSCRYPT_MAX_BATCH'),
      workers: integer(env, 'SMIS_IDENTITY_WORKERS'),
    }),
  });
}
