import { describe, expect, it } from 'vitest';
import { fingerprintPassword, matchesFingerprint } from './fingerprint';

describe('password fingerprints', () => {
  it('match the same user and password only', () => {
    const fingerprint = fingerprintPassword('smis-router', 'router-password-0001');
    expect(matchesFingerprint('smis-router', 'router-password-0001', fingerprint)).toBe(true);
    expect(matchesFingerprint('smis-router', 'router-password-0002', fingerprint)).toBe(false);
    expect(matchesFingerprint('smis-status', 'router-password-0001', fingerprint)).toBe(false);
  });

  it('are salted: the same password never gives the same record', () => {
    const a = fingerprintPassword('u', 'same-password-00001');
    const b = fingerprintPassword('u', 'same-password-00001');
    expect(a.hash).not.toBe(b.hash);
    expect(JSON.stringify(a)).not.toContain('same-password');
  });
});
