import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips a secret and never stores it in clear', () => {
    const sealed = box.seal('whsec_abc', 'subscription-1');
    expect(sealed).not.toContain('whsec_abc');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(box.open(sealed, 'subscription-1')).toBe('whsec_abc');
    expect(box.seal('whsec_abc', 'subscription-1')).not.toBe(sealed);
  });

  it('refuses another row, another key, or a tampered value', () => {
    const sealed = box.seal('whsec_abc', 'subscription-1');
    expect(() => box.open(sealed, 'subscription-2')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'subscription-1')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('whsec_abd').toString('base64url');
    expect(() => box.open(parts.join('.'), 'subscription-1')).toThrow();
    expect(() => box.open('plain', 'subscription-1')).toThrow(/Unreadable/);
  });

  it('wants a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});
