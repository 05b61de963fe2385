/**
 * The enrolment credential (ADR 4): a JWT signed by identity (EdDSA, Ed25519), audience
 * `smis-app-channel`, subject = the enrolment id (random, not derived from the citizen), with
 * - `app`: app-domain encrypted pseudonyms, one per linked identifier;
 * - `pp`: re-randomized polymorphic pseudonyms, in the same order;
 * - `sms`: the phone number sealed to the SMS channel (base64url), when a phone is enrolled;
 * - `methods`: how the citizen proved the identifiers (`sms_otp`, `oidc`).
 */
import { randomUUID, type JsonWebKey } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  createRemoteJWKSet,
  importJWK,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { EncryptedPseudonym, PolymorphicPseudonym } from '@smis/pseudonym';
import { InvalidCredentialError } from '../errors';

export const CREDENTIAL_AUDIENCE = 'smis-app-channel';
export const CREDENTIAL_TYPE = 'smis-enrolment+jwt';
export type EnrolmentMethodClaim = 'sms_otp' | 'oidc';

export interface CredentialClaims {
  app: EncryptedPseudonym[];
  pp: PolymorphicPseudonym[];
  sms?: string;
  methods: EnrolmentMethodClaim[];
}

/** ADR 5: what the app channel needs to know about a credential. */
export interface CredentialVerifierPort {
  verify(
    token: string,
  ): Promise<{ subject: string; app: EncryptedPseudonym[]; pp: PolymorphicPseudonym[]; methods: string[] }>;
}

export interface VerifiedCredential extends CredentialClaims {
  subject: string;
  issuedAt: number;
  expiresAt: number;
}

async function publicJwk(key: JsonWebKey): Promise<JWK> {
  const jwk: JWK = { kty: key.kty as string, crv: key.crv, x: key.x };
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'EdDSA', use: 'sig' };
}

/** The public keys as a JWKS (`GET /v1/identity/.well-known/jwks.json`). */
export async function credentialJwks(keys: readonly JsonWebKey[]): Promise<JSONWebKeySet> {
  return { keys: await Promise.all(keys.map(publicJwk)) };
}

export class CredentialIssuer {
  private constructor(
    private readonly key: Awaited<ReturnType<typeof importJWK>>,
    private readonly kid: string,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
  ) {}

  static async create(options: {
    privateKey: JsonWebKey;
    issuer: string;
    ttlSeconds: number;
  }): Promise<CredentialIssuer> {
    const { kid } = await publicJwk(options.privateKey);
    const key = await importJWK({ ...(options.privateKey as JWK), alg: 'EdDSA' }, 'EdDSA');
    return new CredentialIssuer(key, kid as string, options.issuer, options.ttlSeconds);
  }

  async issue(
    subject: string,
    claims: CredentialClaims,
    nowMs: number,
  ): Promise<{ credential: string; expiresAt: number }> {
    const iat = Math.floor(nowMs / 1000);
    const exp = iat + this.ttlSeconds;
    const body: Record<string, unknown> = { app: claims.app, pp: claims.pp, methods: claims.methods };
    if (claims.sms) body['sms'] = claims.sms;
    const credential = await new SignJWT(body)
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: CREDENTIAL_TYPE })
      .setIssuer(this.issuer)
      .setAudience(CREDENTIAL_AUDIENCE)
      .setSubject(subject)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.key);
    return { credential, expiresAt: exp * 1000 };
  }
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function stringArray(value: unknown, name: string, max = 8): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max)
    throw new InvalidCredentialError(`claim-${name}`);
  for (const v of value)
    if (typeof v !== 'string' || !B64URL.test(v)) throw new InvalidCredentialError(`claim-${name}`);
  return value as string[];
}

export interface CredentialVerifierOptions {
  /** Public keys (JWK) that may have signed a credential; or */
  keys?: readonly JsonWebKey[];
  /** the identity service's JWKS URL (`.../v1/identity/.well-known/jwks.json`) for split deployments. */
  jwksUrl?: string;
  /** Expected `iss` (default `smis-identity`). */
  issuer?: string;
  /** Epoch milliseconds (tests). */
  now?: () => number;
  clockToleranceSeconds?: number;
}

/**
 * Verifies enrolment credentials: EdDSA signature by a known identity key, issuer, audience
 * `smis-app-channel`, expiry, and the shape of the claims. Implements ADR 5's
 * CredentialVerifierPort; the app channel is wired with it.
 */
export class CredentialVerifier implements CredentialVerifierPort {
  private constructor(
    private readonly getKey: JWTVerifyGetKey,
    private readonly issuer: string,
    private readonly now: () => number,
    private readonly clockTolerance: number,
  ) {}

  static async create(options: CredentialVerifierOptions): Promise<CredentialVerifier> {
    let getKey: JWTVerifyGetKey;
    if (options.jwksUrl) getKey = createRemoteJWKSet(new URL(options.jwksUrl));
    else if (options.keys && options.keys.length > 0)
      getKey = createLocalJWKSet(await credentialJwks(options.keys));
    else throw new TypeError('CredentialVerifier needs keys or jwksUrl');
    return new CredentialVerifier(
      getKey,
      options.issuer ?? 'smis-identity',
      options.now ?? Date.now,
      options.clockToleranceSeconds ?? 30,
    );
  }

  /** Every claim of a valid credential; throws InvalidCredentialError (with a reason code) otherwise. */
  async verifyClaims(token: string): Promise<VerifiedCredential> {
    if (typeof token !== 'string' || token.length > 16_384) throw new InvalidCredentialError('malformed');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        algorithms: ['EdDSA', 'Ed25519'],
        issuer: this.issuer,
        audience: CREDENTIAL_AUDIENCE,
        typ: CREDENTIAL_TYPE,
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: new Date(this.now()),
        clockTolerance: this.clockTolerance,
      }));
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      throw new InvalidCredentialError(
        code === 'ERR_JWT_EXPIRED' ? 'expired' : code.startsWith('ERR_JWT_CLAIM') ? 'claims' : 'signature',
      );
    }
    const app = stringArray(payload['app'], 'app') as EncryptedPseudonym[];
    const pp = stringArray(payload['pp'], 'pp') as PolymorphicPseudonym[];
    const methods = payload['methods'];
    if (!Array.isArray(methods) || methods.some((m) => m !== 'sms_otp' && m !== 'oidc'))
      throw new InvalidCredentialError('claim-methods');
    const sms = payload['sms'];
    if (sms !== undefined && (typeof sms !== 'string' || !B64URL.test(sms)))
      throw new InvalidCredentialError('claim-sms');
    return {
      subject: payload['sub'] as string,
      app,
      pp,
      sms: sms as string | undefined,
      methods: methods as EnrolmentMethodClaim[],
      issuedAt: (payload['iat'] as number) * 1000,
      expiresAt: (payload['exp'] as number) * 1000,
    };
  }

  async verify(token: string): Promise<{
    subject: string;
    app: EncryptedPseudonym[];
    pp: PolymorphicPseudonym[];
    methods: string[];
  }> {
    const { subject, app, pp, methods } = await this.verifyClaims(token);
    return { subject, app, pp, methods };
  }
}

/** A verifier for split deployments: the app channel gives the identity service's JWKS URL. */
export function createCredentialVerifier(options: CredentialVerifierOptions): Promise<CredentialVerifier> {
  return CredentialVerifier.create(options);
}
