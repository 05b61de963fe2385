import { TOPICS } from '@smis/contracts';
import { createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface GatewayConfig {
  /** The token endpoint's URL as senders address it: the `aud` their client assertions must carry. */
  tokenUrl: string;
  /** `iss` (and `aud`) of the access tokens the gateway issues (default `smis-gateway`). */
  issuer: string;
  /** The gateway's Ed25519 signing key for access tokens (generated at start when not configured). */
  signingKey: KeyObject;
  /** Lifetime of an access token (default 300 s). */
  accessTokenTtlSeconds: number;
  /** Longest lifetime (exp - iat) of a client assertion (default 300 s). */
  assertionMaxLifetimeSeconds: number;
  /** Clock tolerance for assertion and token times (default 30 s). */
  clockToleranceSeconds: number;
  /** Where submitted requests are published (default smis.requests.v1). */
  requestsTopic: string;
  /** Largest request body on the gateway's routes, bytes (default 256 KiB). */
  maxRequestBytes: number;
  /** Per-sender requests per second and burst on every route but key lookups (defaults 50 and 100). */
  rateLimit: { perSecond: number; burst: number };
  /**
   * Per-sender key lookups per second and burst (defaults 2,000 and 4,000), a bucket of its own:
   * a sender looks up every recipient, so lookups must not eat the message-submission budget.
   * A batched lookup takes one token per recipient.
   */
  lookupRateLimit: { perSecond: number; burst: number };
  /** Most recipients in one `POST /keys/lookup/batch` (default 100; at most the lookup burst). */
  maxLookupBatch: number;
}

export type GatewayConfigInput = Partial<
  Omit<GatewayConfig, 'signingKey' | 'rateLimit' | 'lookupRateLimit'>
> & {
  tokenUrl: string;
  /** A private Ed25519 JWK (or its JSON); omitted: a key generated at start (tokens die with the process). */
  signingKey?: JsonWebKey | string | KeyObject;
  rateLimit?: Partial<GatewayConfig['rateLimit']>;
  lookupRateLimit?: Partial<GatewayConfig['lookupRateLimit']>;
};

export class GatewayConfigError extends Error {
  override readonly name = 'GatewayConfigError';
}

export const GATEWAY_DEFAULTS = Object.freeze({
  issuer: 'smis-gateway',
  accessTokenTtlSeconds: 300,
  assertionMaxLifetimeSeconds: 300,
  clockToleranceSeconds: 30,
  requestsTopic: TOPICS.requests,
  maxRequestBytes: 256 * 1024,
  rateLimit: Object.freeze({ perSecond: 50, burst: 100 }),
  lookupRateLimit: Object.freeze({ perSecond: 2_000, burst: 4_000 }),
  maxLookupBatch: 100,
});

export function validateGatewayConfig(input: GatewayConfigInput | GatewayConfig): GatewayConfig {
  const problems: string[] = [];
  let signingKey: KeyObject | undefined;
  try {
    const raw = input.signingKey;
    if (raw === undefined) signingKey = generateKeyPairSync('ed25519').privateKey;
    else if (typeof raw === 'object' && 'asymmetricKeyType' in raw) signingKey = raw as KeyObject;
    else
      signingKey = createPrivateKey({ key: typeof raw === 'string' ? JSON.parse(raw) : raw, format: 'jwk' });
    if (signingKey.asymmetricKeyType !== 'ed25519' || signingKey.type !== 'private') {
      problems.push('signingKey (SMIS_GATEWAY_SIGNING_KEY) must be a private Ed25519 key');
    }
  } catch (error) {
    problems.push(`signingKey (SMIS_GATEWAY_SIGNING_KEY) is not a private JWK: ${(error as Error).message}`);
  }
  const config: GatewayConfig = {
    tokenUrl: input.tokenUrl,
    issuer: input.issuer ?? GATEWAY_DEFAULTS.issuer,
    signingKey: signingKey as KeyObject,
    accessTokenTtlSeconds: input.accessTokenTtlSeconds ?? GATEWAY_DEFAULTS.accessTokenTtlSeconds,
    assertionMaxLifetimeSeconds:
      input.assertionMaxLifetimeSeconds ?? GATEWAY_DEFAULTS.assertionMaxLifetimeSeconds,
    clockToleranceSeconds: input.clockToleranceSeconds ?? GATEWAY_DEFAULTS.clockToleranceSeconds,
    requestsTopic: input.requestsTopic ?? GATEWAY_DEFAULTS.requestsTopic,
    maxRequestBytes: input.maxRequestBytes ?? GATEWAY_DEFAULTS.maxRequestBytes,
    rateLimit: {
      perSecond: input.rateLimit?.perSecond ?? GATEWAY_DEFAULTS.rateLimit.perSecond,
      burst: input.rateLimit?.burst ?? GATEWAY_DEFAULTS.rateLimit.burst,
    },
    lookupRateLimit: {
      perSecond: input.lookupRateLimit?.perSecond ?? GATEWAY_DEFAULTS.lookupRateLimit.perSecond,
      burst: input.lookupRateLimit?.burst ?? GATEWAY_DEFAULTS.lookupRateLimit.burst,
    },
    maxLookupBatch: input.maxLookupBatch ?? GATEWAY_DEFAULTS.maxLookupBatch,
  };
  try {
    if (!/^https?:$/.test(new URL(config.tokenUrl).protocol)) throw new Error('not http(s)');
  } catch {
    problems.push(
      `tokenUrl (SMIS_GATEWAY_TOKEN_URL) must be the token endpoint's absolute URL (got ${config.tokenUrl})`,
    );
  }
  const positive: Array<[string, number]> = [
    ['accessTokenTtlSeconds (SMIS_GATEWAY_TOKEN_TTL_SECONDS)', config.accessTokenTtlSeconds],
    ['assertionMaxLifetimeSeconds', config.assertionMaxLifetimeSeconds],
    ['maxRequestBytes (SMIS_GATEWAY_MAX_REQUEST_BYTES)', config.maxRequestBytes],
    ['rateLimit.perSecond (SMIS_GATEWAY_RATE_PER_SECOND)', config.rateLimit.perSecond],
    ['rateLimit.burst (SMIS_GATEWAY_RATE_BURST)', config.rateLimit.burst],
    ['lookupRateLimit.perSecond (SMIS_GATEWAY_LOOKUP_RATE_PER_SECOND)', config.lookupRateLimit.perSecond],
    ['lookupRateLimit.burst (SMIS_GATEWAY_LOOKUP_RATE_BURST)', config.lookupRateLimit.burst],
  ];
  for (const [name, value] of positive) {
    if (!(Number.isFinite(value) && value > 0))
      problems.push(`${name} must be a positive number (got ${value})`);
  }
  if (!(Number.isInteger(config.maxLookupBatch) && config.maxLookupBatch >= 1)) {
    problems.push(
      `maxLookupBatch (SMIS_GATEWAY_MAX_LOOKUP_BATCH) must be a whole number ≥ 1 (got ${config.maxLookupBatch})`,
    );
  } else if (config.maxLookupBatch > config.lookupRateLimit.burst) {
    problems.push(
      `maxLookupBatch (SMIS_GATEWAY_MAX_LOOKUP_BATCH, ${config.maxLookupBatch}) must not exceed ` +
        `lookupRateLimit.burst (${config.lookupRateLimit.burst}): a full batch could never pass the limit`,
    );
  }
  if (!(config.clockToleranceSeconds >= 0)) problems.push('clockToleranceSeconds must be ≥ 0');
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(config.requestsTopic))
    problems.push(`requestsTopic '${config.requestsTopic}' is not a topic name`);
  if (problems.length > 0)
    throw new GatewayConfigError(`Invalid gateway configuration: ${problems.join('; ')}`);
  return config;
}

/** Reads `SMIS_GATEWAY_*` variables. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const number = (name: string): number | undefined =>
    env[name] === undefined ? undefined : Number(env[name]);
  return validateGatewayConfig({
    tokenUrl: env.SMIS_GATEWAY_TOKEN_URL ?? `http://localhost:${env.PORT ?? 3000}/v1/gateway/oauth/token`,
    signingKey: env.SMIS_GATEWAY_SIGNING_KEY || undefined,
    accessTokenTtlSeconds: number('SMIS_GATEWAY_TOKEN_TTL_SECONDS'),
    maxRequestBytes: number('SMIS_GATEWAY_MAX_REQUEST_BYTES'),
    rateLimit: {
      perSecond: number('SMIS_GATEWAY_RATE_PER_SECOND'),
      burst: number('SMIS_GATEWAY_RATE_BURST'),
    },
    lookupRateLimit: {
      perSecond: number('SMIS_GATEWAY_LOOKUP_RATE_PER_SECOND'),
      burst: number('SMIS_GATEWAY_LOOKUP_RATE_BURST'),
    },
    maxLookupBatch: number('SMIS_GATEWAY_MAX_LOOKUP_BATCH'),
  });
}
