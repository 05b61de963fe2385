import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { quietHoursEnd, verifyEd25519 } from './policy';

describe('quietHoursEnd (Europe/Brussels)', () => {
  // 2026-01-15 is in winter time (UTC+1).
  const at = (utc: string) => Date.parse(`2026-01-15T${utc}:00Z`);

  it('answers now outside quiet hours and without any', () => {
    expect(quietHoursEnd(at('12:00'), { start: '22:00', end: '07:00' })).toBe(at('12:00'));
    expect(quietHoursEnd(at('03:00'), undefined)).toBe(at('03:00'));
  });

  it('answers the end of quiet hours inside them, across midnight', () => {
    // 23:30 Brussels = 22:30 UTC; quiet until 07:00 Brussels = 06:00 UTC next day.
    expect(quietHoursEnd(at('22:30'), { start: '22:00', end: '07:00' })).toBe(
      Date.parse('2026-01-16T06:00:00Z'),
    );
    // 02:15 Brussels = 01:15 UTC.
    expect(quietHoursEnd(at('01:15'), { start: '22:00', end: '07:00' })).toBe(at('06:00'));
  });

  it('handles quiet hours within one day and summer time', () => {
    expect(quietHoursEnd(at('10:30'), { start: '12:00', end: '14:00' })).toBe(at('10:30'));
    expect(quietHoursEnd(at('11:30'), { start: '12:00', end: '14:00' })).toBe(at('13:00'));
    // 12:30 Brussels = 11:30 UTC in winter.
    expect(quietHoursEnd(at('11:30'), { start: '12:00', end: '12:45' })).toBe(at('11:45'));
    // July: UTC+2. 23:00 Brussels = 21:00 UTC; end 07:00 Brussels = 05:00 UTC.
    expect(quietHoursEnd(Date.parse('2026-07-01T21:00:00Z'), { start: '22:00', end: '07:00' })).toBe(
      Date.parse('2026-07-02T05:00:00Z'),
    );
  });
});

describe('verifyEd25519', () => {
  it('accepts the signer and refuses other bytes or keys', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
    const message = Buffer.from('broadcast');
    const signature = sign(null, message, privateKey);
    expect(verifyEd25519(message, signature, raw)).toBe(true);
    expect(verifyEd25519(Buffer.from('broadcast!'), signature, raw)).toBe(false);
    expect(verifyEd25519(message, signature, Buffer.alloc(32, 1))).toBe(false);
    expect(verifyEd25519(message, signature.subarray(1), raw)).toBe(false);
  });
});
