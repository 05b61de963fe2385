import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * What the state topic keeps of a SCRAM password: scrypt of the password with a random salt.
 * Kafka cannot give a password back, so this is how a second run knows nothing changed. scrypt
 * rather than a plain HMAC: the state topic is readable by cluster administrators, and a slow
 * hash keeps a guessed-password attack on a copy of it expensive.
 */
export interface PasswordFingerprint {
  /** base64url */
  salt: string;
  /** base64url */
  hash: string;
}

/** scrypt cost: about 30 ms per password here; the plan computes one per managed user. */
const PARAMETERS = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const LENGTH = 32;

function derive(user: string, password: string, salt: Buffer): Buffer {
  return scryptSync(password, Buffer.concat([Buffer.from(`smis-scram:${user}:`), salt]), LENGTH, PARAMETERS);
}

export function fingerprintPassword(user: string, password: string): PasswordFingerprint {
  const salt = randomBytes(16);
  return { salt: salt.toString('base64url'), hash: derive(user, password, salt).toString('base64url') };
}

export function matchesFingerprint(
  user: string,
  password: string,
  fingerprint: PasswordFingerprint,
): boolean {
  const expected = Buffer.from(fingerprint.hash, 'base64url');
  const actual = derive(user, password, Buffer.from(fingerprint.salt, 'base64url'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
