import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../clock';
import type { IdentityConfig, OidcConfig } from '../config';
import { AuthenticationFailedError, OidcUnavailableError } from '../errors';
import { IDENTITY_CLOCK, IDENTITY_CONFIG } from '../tokens';
import { nationalNumberFromClaims } from './national-number';

interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  token_endpoint_auth_methods_supported?: string[];
}

export interface AuthorizationRequest {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Why an ID token was refused, for the audit trail (never shown to the caller). */
export function idTokenRejection(error: unknown): string {
  const e = error as { code?: string; claim?: string };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return 'id-token-expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `id-token-claim-${e.claim ?? 'unknown'}`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'id-token-signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'id-token-algorithm';
    default:
      return 'id-token-malformed';
  }
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

function sameText(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/**
 * This service as an OpenID Connect relying party: discovery, the authorization request
 * (code flow, PKCE S256, state, nonce), the code exchange (client_secret_basic, or
 * client_secret_post when that is all the provider supports) and the ID token checks (signature
 * against the provider's JWKS, issuer, audience, authorized party, nonce, expiry, issued-at).
 */
@Injectable()
export class OidcRelyingParty {
  private readonly logger = new Logger('IdentityOidc');
  private metadata?: Promise<{ meta: ProviderMetadata; jwks: JWTVerifyGetKey }>;

  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(IDENTITY_CLOCK) private readonly clock: Clock,
  ) {}

  get configured(): boolean {
    return !!this.config.oidc;
  }

  private get oidc(): OidcConfig {
    if (!this.config.oidc) throw new OidcUnavailableError('Strong authentication is not configured');
    return this.config.oidc;
  }

  private discover(): Promise<{ meta: ProviderMetadata; jwks: JWTVerifyGetKey }> {
    if (!this.metadata) {
      const oidc = this.oidc;
      this.metadata = (async () => {
        const response = await fetch(oidc.discoveryUrl, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`discovery answered HTTP ${response.status}`);
        const meta = (await response.json()) as ProviderMetadata;
        for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const)
          if (typeof meta[field] !== 'string') throw new Error(`discovery document lacks ${field}`);
        return { meta, jwks: createRemoteJWKSet(new URL(meta.jwks_uri)) };
      })().catch((error: unknown) => {
        this.metadata = undefined;
        this.logger.warn(`OpenID provider discovery failed: ${(error as Error).message}`);
        throw new OidcUnavailableError('The identity provider cannot be reached; try again later');
      });
    }
    return this.metadata;
  }

  async authorizationRequest(): Promise<AuthorizationRequest> {
    const oidc = this.oidc;
    const { meta } = await this.discover();
    const state = base64url(randomBytes(32));
    const nonce = base64url(randomBytes(32));
    const codeVerifier = base64url(randomBytes(32));
    const url = new URL(meta.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: oidc.clientId,
      redirect_uri: oidc.redirectUri,
      scope: oidc.scope,
      state,
      nonce,
      code_challenge: base64url(createHash('sha256').update(codeVerifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    return { url: url.toString(), state, nonce, codeVerifier };
  }

  /** Exchanges the code; throws AuthenticationFailedError (reason for the audit) on any failure. */
  async exchangeCode(code: string, codeVerifier: string): Promise<string> {
    const oidc = this.oidc;
    const { meta } = await this.discover();
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: oidc.redirectUri,
      code_verifier: codeVerifier,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const methods = meta.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    if (methods.includes('client_secret_basic') || !methods.includes('client_secret_post')) {
      const id = encodeURIComponent(oidc.clientId);
      const secret = encodeURIComponent(oidc.clientSecret);
      headers['authorization'] = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    } else {
      body.set('client_id', oidc.clientId);
      body.set('client_secret', oidc.clientSecret);
    }
    let response: Response;
    try {
      response = await fetch(meta.token_endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new AuthenticationFailedError('token-endpoint-unreachable');
    }
    const answer = (await response.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown };
    if (!response.ok || typeof answer.id_token !== 'string') {
      const error =
        typeof answer.error === 'string' ? answer.error.replace(/[^a-z_]/g, '').slice(0, 40) : 'no-id-token';
      throw new AuthenticationFailedError(`token-endpoint-${error}`);
    }
    return answer.id_token;
  }

  /**
   * Checks the ID token and returns the citizen's NISS (11 digits). Throws
   * AuthenticationFailedError with a reason code for the audit trail.
   */
  async verifyIdToken(idToken: string, expectedNonce: string): Promise<{ niss: string }> {
    const oidc = this.oidc;
    const { meta, jwks } = await this.discover();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, jwks, {
        issuer: meta.issuer,
        audience: oidc.clientId,
        algorithms: oidc.algorithms,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce'],
        clockTolerance: oidc.clockToleranceSeconds,
        currentDate: new Date(this.clock.now()),
        maxTokenAge: '1h',
      }));
    } catch (error) {
      throw new AuthenticationFailedError(idTokenRejection(error));
    }
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload['azp'] !== oidc.clientId)
      throw new AuthenticationFailedError('id-token-claim-azp');
    if (typeof payload['nonce'] !== 'string' || !sameText(payload['nonce'], expectedNonce))
      throw new AuthenticationFailedError('id-token-claim-nonce');
    const result = nationalNumberFromClaims(payload, oidc.nationalNumberClaim, new Date(this.clock.now()));
    if (!result.ok) throw new AuthenticationFailedError(result.reason);
    return { niss: result.niss };
  }
}
