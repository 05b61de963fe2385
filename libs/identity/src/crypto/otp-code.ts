import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export const CODE_DIGITS = 6;
export const CODE_SALT_BYTES = 16;

/** A uniformly random 6-digit code (leading zeros kept). */
export function generateCode(): string {
  return randomInt(0, 10 ** CODE_DIGITS)
    .toString()
    .padStart(CODE_DIGITS, '0');
}

export function generateSalt(): Buffer {
  return randomBytes(CODE_SALT_BYTES);
}

/**
 * HMAC-SHA256 under the service's pepper of (salt ‖ enrolment id ‖ code). A stored hash alone
 * does not give the code away: the 10^6 codes cannot be tried without the pepper, which lives in
 * the configuration, not in the database.
 */
export function hashCode(pepper: Buffer, salt: Buffer, enrolmentId: string, code: string): Buffer {
  return createHmac('sha256', pepper)
    .update(salt)
    .update(Buffer.from(enrolmentId, 'utf8'))
    .update(Buffer.from([0]))
    .update(Buffer.from(code, 'utf8'))
    .digest();
}

/** Only 6 digits are ever a candidate; anything else is rejected without looking further. */
export function isWellFormedCode(code: unknown): code is string {
  return typeof code === 'string' && /^[0-9]{6}$/.test(code);
}

/** Constant-time comparison of the candidate's hash with the stored one. */
export function codeMatches(
  pepper: Buffer,
  salt: Buffer,
  enrolmentId: string,
  candidate: string,
  storedHash: Buffer,
): boolean {
  // A malformed candidate is still hashed, so the time taken does not tell it apart.
  const hash = hashCode(pepper, salt, enrolmentId, isWellFormedCode(candidate) ? candidate : '');
  return (
    storedHash.length === hash.length && timingSafeEqual(hash, storedHash) && isWellFormedCode(candidate)
  );
}
