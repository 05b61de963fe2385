import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeMatches, generateCode, generateSalt, hashCode, isWellFormedCode } from './otp-code';
import { bucketOf } from './keyed-hash';

describe('enrolment codes', () => {
  const pepper = randomBytes(32);

  it('are 6 digits, leading zeros kept, and spread over the whole range', () => {
    const codes = Array.from({ length: 2000 }, generateCode);
    for (const code of codes) expect(code).toMatch(/^[0-9]{6}$/);
    expect(new Set(codes).size).toBeGreaterThan(1900);
    expect(new Set(codes.map((c) => c[0])).size).toBe(10);
  });

  it('match only the same code for the same enrolment, salt and pepper', () => {
    const salt = generateSalt();
    const id = randomUUID();
    const stored = hashCode(pepper, salt, id, '012345');
    expect(stored).toHaveLength(32);
    expect(stored.toString('hex')).not.toContain('012345');
    expect(codeMatches(pepper, salt, id, '012345', stored)).toBe(true);
    expect(codeMatches(pepper, salt, id, '012346', stored)).toBe(false);
    expect(codeMatches(pepper, salt, randomUUID(), '012345', stored)).toBe(false);
    expect(codeMatches(pepper, generateSalt(), id, '012345', stored)).toBe(false);
    expect(codeMatches(randomBytes(32), salt, id, '012345', stored)).toBe(false);
    expect(codeMatches(pepper, salt, id, '012345', stored.subarray(0, 16))).toBe(false);
  });

  it('reject anything but six digits, even when its hash would match', () => {
    const salt = generateSalt();
    const id = randomUUID();
    const emptyHash = hashCode(pepper, salt, id, '');
    for (const bad of ['', '12345', '1234567', '12345a', ' 123456', '１２３４５６'])
      expect(isWellFormedCode(bad)).toBe(false);
    expect(codeMatches(pepper, salt, id, 'abc', emptyHash)).toBe(false);
  });

  it('same code, two enrolments: unrelated hashes', () => {
    expect(hashCode(pepper, generateSalt(), randomUUID(), '111111')).not.toEqual(
      hashCode(pepper, generateSalt(), randomUUID(), '111111'),
    );
  });
});

describe('rate-limit buckets', () => {
  it('are keyed: stable for one key, unlinkable across keys, never the number', () => {
    const key = randomBytes(32);
    const a = bucketOf(key, 'number', '+32470123456');
    expect(a).toBe(bucketOf(key, 'number', '+32470123456'));
    expect(a).not.toBe(bucketOf(randomBytes(32), 'number', '+32470123456'));
    expect(a).not.toBe(bucketOf(key, 'address', '+32470123456'));
    expect(a).not.toContain('470123456');
  });
});
