import { createPublicKey, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { SenderRegistry } from '@smis/senders';
import type { GatewayConfig } from '../config';
import { ProblemError } from '../http/problem';

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

/**
 * Verifies the gateway's access tokens (EdDSA `at+jwt`, iss = aud = the gateway's issuer, not
 * expired, issued to a sender still in the registry): what the gateway applies to its own routes.
 * Other HTTP APIs of a process that hosts the gateway (status, broadcast) use it to find the
 * sender; give it the same configuration object as the GatewayModule (its signing key).
 */
export class AccessTokenVerifier {
  private readonly publicKey: KeyObject;

  constructor(
    private readonly config: Pick<GatewayConfig, 'issuer' | 'signingKey' | 'clockToleranceSeconds'>,
    private readonly senders: Pick<SenderRegistry, 'get'>,
    private readonly clock: () => number = Date.now,
  ) {
    this.publicKey = createPublicKey(config.signingKey);
  }

  /** The sender the access token was issued to; rejects with a 401 problem (ProblemError). */
  async verify(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ['EdDSA'],
        issuer: this.config.issuer,
        audience: this.config.issuer,
        typ: 'at+jwt',
        clockTolerance: this.config.clockToleranceSeconds,
        currentDate: new Date(this.clock()),
      });
      const senderId = payload.sub ?? '';
      if (!this.senders.get(senderId)) throw new Error('sender no longer registered');
      return senderId;
    } catch {
      throw ProblemError.unauthorized('The access token is missing, invalid or expired');
    }
  }

  /** The sender of a request's `Authorization: Bearer` header, or undefined without a valid token. */
  async senderOf(authorization: string | undefined): Promise<string | undefined> {
    const token = bearerToken(authorization);
    if (!token) return undefined;
    try {
      return await this.verify(token);
    } catch {
      return undefined;
    }
  }
}
