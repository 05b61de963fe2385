/**
 * Test-only entry: deterministic envelope crypto for the committed test vectors. Not exported
 * from index.ts; never use it to seal real messages (its "randomness" is a function of a seed).
 */
import { blake2b } from './blake2b';
import { createEnvelopeCrypto } from './envelope-crypto';
import type { RandomBytes } from './primitives';
import { sodiumPrimitives } from './sodium-envelope-crypto';
import { tweetnaclPrimitives } from './tweetnacl-envelope-crypto';
import type { EnvelopeCrypto } from './types';

/** A byte stream: keyed BLAKE2b-512(key = seed, message = 32-bit big-endian block counter). */
export function deterministicRandom(seed: Uint8Array): RandomBytes {
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  return (length: number) => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (pool.length === 0) {
        const block = Uint8Array.of(
          counter >>> 24,
          (counter >>> 16) & 0xff,
          (counter >>> 8) & 0xff,
          counter & 0xff,
        );
        counter++;
        pool = blake2b(64, [block], seed);
      }
      const n = Math.min(pool.length, length - filled);
      out.set(pool.subarray(0, n), filled);
      pool = pool.subarray(n);
      filled += n;
    }
    return out;
  };
}

export function createDeterministicEnvelopeCrypto(
  implementation: 'sodium-native' | 'tweetnacl',
  seed: Uint8Array,
): EnvelopeCrypto {
  const random = deterministicRandom(seed);
  return createEnvelopeCrypto(
    implementation === 'sodium-native' ? sodiumPrimitives(random) : tweetnaclPrimitives(random),
  );
}
