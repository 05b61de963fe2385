import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT, type JWK } from 'jose';
import type { GatewayConfig } from '../config';
import { ProblemError } from '../http/problem';
import type { GatewayPorts } from '../ports';
import { GATEWAY_CONFIG, GATEWAY_PORTS } from '../tokens';
import { AccessTokenVerifier } from './access-token-verifier';
import type { AccessTokenResponse, IssueTokenCommand } from '../usecases/issue-token/issue-token.command';

/**
 * OAuth 2.0 client credentials with `private_key_jwt` (RFC 7523, EdDSA): verifies a sender's
 * client assertion against its Ed25519 keys in the sender registry (iss = sub = senderId,
 * aud = the token URL, exp, bounded lifetime, jti used once) and issues short-lived access
 * tokens signed with the gateway's own key.
 */
@Injectable()
export class TokenService {
  private readonly usedJtis = new Map<string, number>();
  private readonly publicKey: KeyObject;
  private readonly verifier: AccessTokenVerifier;
  readonly keyId: string;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_PORTS) private readonly ports: GatewayPorts,
  ) {
    this.publicKey = createPublicKey(config.signingKey);
    const x = (this.publicKey.export({ format: 'jwk' }) as { x: string }).x;
    this.keyId = x.slice(0, 16);
    this.verifier = new AccessTokenVerifier(config, ports.senders, () => this.now());
  }

  private now(): number {
    return (this.ports.clock ?? Date.now)();
  }

  /** The gateway's public key (JWKS), for whoever verifies its access tokens. */
  jwks(): { keys: JWK[] } {
    const jwk = this.publicKey.export({ format: 'jwk' }) as JWK;
    return { keys: [{ ...jwk, kid: this.keyId, alg: 'EdDSA', use: 'sig' }] };
  }

  async issue(command: IssueTokenCommand): Promise<AccessTokenResponse> {
    const invalid = (description: string) => ProblemError.oauth(401, 'invalid_client', description);
    let claims: ReturnType<typeof decodeJwt>;
    let kid: string | undefined;
    try {
      claims = decodeJwt(command.assertion);
      kid = decodeProtectedHeader(command.assertion).kid;
    } catch {
      throw invalid('client_assertion is not a JWT');
    }
    const senderId = typeof claims.iss === 'string' ? claims.iss : '';
    const sender = this.ports.senders.get(senderId);
    if (!sender) throw invalid('unknown client');
    if (command.clientId && command.clientId !== senderId)
      throw invalid('client_id and the assertion issuer differ');
    const now = this.now();
    const candidates = sender.signingKeys.filter(
      (k) => (!kid || k.keyId === kid) && (!k.notAfter || Date.parse(k.notAfter) > now),
    );
    let verified: Awaited<ReturnType<typeof jwtVerify>> | undefined;
    for (const key of candidates) {
      const raw = this.ports.senders.signingKey(senderId, key.keyId);
      if (!raw) continue;
      try {
        verified = await jwtVerify(command.assertion, ed25519PublicKey(raw), {
          algorithms: ['EdDSA'],
          issuer: senderId,
          subject: senderId,
          audience: this.config.tokenUrl,
          requiredClaims: ['exp', 'jti'],
          clockTolerance: this.config.clockToleranceSeconds,
          currentDate: new Date(now),
        });
        break;
      } catch {
        /* try the sender's next key */
      }
    }
    if (!verified) throw invalid('client_assertion signature or claims are not valid');
    const { exp, iat, jti } = verified.payload as { exp: number; iat?: number; jti: string };
    if (
      exp - (iat ?? Math.floor(now / 1000)) >
      this.config.assertionMaxLifetimeSeconds + this.config.clockToleranceSeconds
    ) {
      throw invalid(`client_assertion lives longer than ${this.config.assertionMaxLifetimeSeconds} s`);
    }
    this.forgetExpired(now);
    const replayKey = `${senderId}\u0000${jti}`;
    if (this.usedJtis.has(replayKey)) throw invalid('client_assertion was already used (jti replay)');
    this.usedJtis.set(replayKey, (exp + this.config.clockToleranceSeconds) * 1000);

    const issuedAt = Math.floor(now / 1000);
    const accessToken = await new SignJWT({ scope: 'messages' })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.keyId, typ: 'at+jwt' })
      .setIssuer(this.config.issuer)
      .setAudience(this.config.issuer)
      .setSubject(senderId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.config.accessTokenTtlSeconds)
      .setJti(randomUUID())
      .sign(this.config.signingKey);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: this.config.accessTokenTtlSeconds };
  }

  /** The sender an access token was issued to; rejects with a 401 problem. */
  authenticate(token: string): Promise<string> {
    return this.verifier.verify(token);
  }

  private forgetExpired(now: number): void {
    for (const [key, until] of this.usedJtis) if (until < now) this.usedJtis.delete(key);
  }
}

const keyCache = new Map<string, KeyObject>();

function ed25519PublicKey(raw: Uint8Array): KeyObject {
  const x = Buffer.from(raw).toString('base64url');
  let key = keyCache.get(x);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    keyCache.set(x, key);
  }
  return key;
}
