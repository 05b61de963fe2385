import { randomUUID, type KeyObject } from 'node:crypto';
import { ed25519Sign } from '../signing-key';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Lifetime of a client assertion (RFC 7523 wants it short; the gateway refuses longer ones). */
export const CLIENT_ASSERTION_TTL_SECONDS = 60;

export interface ClientAssertionInput {
  readonly senderId: string;
  readonly keyId: string;
  readonly privateKey: KeyObject;
  /** The token endpoint URL. */
  readonly audience: string;
  /** Epoch milliseconds. */
  readonly now: number;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * `private_key_jwt` (OpenID Connect Core 9, RFC 7523): a JWT signed with the sender's Ed25519
 * key (EdDSA), iss = sub = senderId, aud = the token endpoint, a fresh jti, valid 60 s.
 */
export function createClientAssertion(input: ClientAssertionInput): string {
  const iat = Math.floor(input.now / 1000);
  const header = b64url({ alg: 'EdDSA', typ: 'JWT', kid: input.keyId });
  const payload = b64url({
    iss: input.senderId,
    sub: input.senderId,
    aud: input.audience,
    jti: randomUUID(),
    iat,
    exp: iat + CLIENT_ASSERTION_TTL_SECONDS,
  });
  const signingInput = `${header}.${payload}`;
  const signature = ed25519Sign(Buffer.from(signingInput, 'ascii'), input.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}
