import fc from 'fast-check';
import * as sodium from 'sodium-native';
import { describe, expect, it } from 'vitest';
import { blake2b } from './blake2b';
import { toHex, utf8 } from './bytes';

function sodiumBlake2b(outputLength: number, input: Uint8Array, key?: Uint8Array): string {
  const out = Buffer.alloc(outputLength);
  if (key && key.length > 0) sodium.crypto_generichash(out, Buffer.from(input), Buffer.from(key));
  else sodium.crypto_generichash(out, Buffer.from(input));
  return out.toString('hex');
}

describe('blake2b', () => {
  it('matches the RFC 7693 appendix A vector (BLAKE2b-512 of "abc")', () => {
    expect(toHex(blake2b(64, [utf8('abc')]))).toBe(
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    );
  });

  it('hashes the empty input like libsodium', () => {
    expect(toHex(blake2b(32, []))).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
  });

  it('equals libsodium crypto_generichash for any input, digest length (16..64) and key', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 16, max: 64 }), // libsodium accepts 16..64
        fc.option(fc.uint8Array({ minLength: 16, maxLength: 64 }), { nil: undefined }),
        (input, outputLength, key) => {
          expect(toHex(blake2b(outputLength, [input], key))).toBe(sodiumBlake2b(outputLength, input, key));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('treats several inputs as their concatenation, across block boundaries', () => {
    const a = new Uint8Array(100).fill(1);
    const b = new Uint8Array(200).fill(2);
    const joined = new Uint8Array(300);
    joined.set(a);
    joined.set(b, 100);
    expect(toHex(blake2b(24, [a, b]))).toBe(sodiumBlake2b(24, joined));
    expect(toHex(blake2b(64, [new Uint8Array(128), new Uint8Array(128)]))).toBe(
      sodiumBlake2b(64, new Uint8Array(256)),
    );
  });

  it('rejects digest lengths outside 1..64 and keys over 64 bytes', () => {
    expect(() => blake2b(0, [])).toThrow(RangeError);
    expect(() => blake2b(65, [])).toThrow(RangeError);
    expect(() => blake2b(32, [], new Uint8Array(65))).toThrow(RangeError);
  });
});
