/**
 * BLAKE2b (RFC 7693) in plain TypeScript, unkeyed or keyed, 1..64 byte digests.
 *
 * Why it exists: the tweetnacl path needs BLAKE2b for the sealed-box nonce (libsodium's
 * crypto_box_seal uses BLAKE2b-192(epk || pk)) and for key ids, and tweetnacl has none.
 * It imports nothing, so it bundles into the browser app. Byte-for-byte equal to libsodium's
 * crypto_generichash (cross-checked in blake2b.spec.ts). 64-bit words are held as two
 * 32-bit halves (low word first) because JavaScript has no fast 64-bit integers.
 */

// Initialization vector, as (low, high) 32-bit pairs.
const IV32 = new Uint32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a, 0xade682d1,
  0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

// Message schedule for 12 rounds (rounds 10 and 11 repeat 0 and 1), pre-doubled to index
// the (low, high) word pairs.
const SIGMA = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4, 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13, 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11, 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5, 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
].map((x) => x * 2);

const BLOCK_BYTES = 128;
const TWO_POW_32 = 0x100000000;

/** v[a] += v[b] (64-bit). */
function add64(v: Uint32Array, a: number, b: number): void {
  const lo = v[a] + v[b];
  let hi = v[a + 1] + v[b + 1];
  if (lo >= TWO_POW_32) hi++;
  v[a] = lo;
  v[a + 1] = hi;
}

/** v[a] += (lo, hi) (64-bit). */
function add64c(v: Uint32Array, a: number, lo0: number, hi0: number): void {
  const lo = v[a] + lo0;
  let hi = v[a + 1] + hi0;
  if (lo >= TWO_POW_32) hi++;
  v[a] = lo;
  v[a + 1] = hi;
}

function mix(
  v: Uint32Array,
  m: Uint32Array,
  a: number,
  b: number,
  c: number,
  d: number,
  ix: number,
  iy: number,
): void {
  add64(v, a, b);
  add64c(v, a, m[ix], m[ix + 1]);
  // d = (d ^ a) >>> 32
  let x0 = v[d] ^ v[a];
  let x1 = v[d + 1] ^ v[a + 1];
  v[d] = x1;
  v[d + 1] = x0;
  add64(v, c, d);
  // b = (b ^ c) >>> 24
  x0 = v[b] ^ v[c];
  x1 = v[b + 1] ^ v[c + 1];
  v[b] = (x0 >>> 24) ^ (x1 << 8);
  v[b + 1] = (x1 >>> 24) ^ (x0 << 8);
  add64(v, a, b);
  add64c(v, a, m[iy], m[iy + 1]);
  // d = (d ^ a) >>> 16
  x0 = v[d] ^ v[a];
  x1 = v[d + 1] ^ v[a + 1];
  v[d] = (x0 >>> 16) ^ (x1 << 16);
  v[d + 1] = (x1 >>> 16) ^ (x0 << 16);
  add64(v, c, d);
  // b = (b ^ c) >>> 63
  x0 = v[b] ^ v[c];
  x1 = v[b + 1] ^ v[c + 1];
  v[b] = (x1 >>> 31) ^ (x0 << 1);
  v[b + 1] = (x0 >>> 31) ^ (x1 << 1);
}

interface State {
  readonly h: Uint32Array;
  readonly block: Uint8Array;
  readonly v: Uint32Array;
  readonly m: Uint32Array;
  /** Bytes compressed so far (fits a double exactly for any realistic input). */
  t: number;
  /** Bytes buffered in `block`. */
  c: number;
}

function compress(s: State, last: boolean): void {
  const { h, v, m, block } = s;
  for (let i = 0; i < 16; i++) {
    v[i] = h[i];
    v[i + 16] = IV32[i];
  }
  v[24] ^= s.t;
  v[25] ^= s.t / TWO_POW_32;
  if (last) {
    v[28] = ~v[28];
    v[29] = ~v[29];
  }
  for (let i = 0; i < 32; i++) {
    const j = 4 * i;
    m[i] = block[j] ^ (block[j + 1] << 8) ^ (block[j + 2] << 16) ^ (block[j + 3] << 24);
  }
  for (let r = 0; r < 12; r++) {
    const o = r * 16;
    mix(v, m, 0, 8, 16, 24, SIGMA[o], SIGMA[o + 1]);
    mix(v, m, 2, 10, 18, 26, SIGMA[o + 2], SIGMA[o + 3]);
    mix(v, m, 4, 12, 20, 28, SIGMA[o + 4], SIGMA[o + 5]);
    mix(v, m, 6, 14, 22, 30, SIGMA[o + 6], SIGMA[o + 7]);
    mix(v, m, 0, 10, 20, 30, SIGMA[o + 8], SIGMA[o + 9]);
    mix(v, m, 2, 12, 22, 24, SIGMA[o + 10], SIGMA[o + 11]);
    mix(v, m, 4, 14, 16, 26, SIGMA[o + 12], SIGMA[o + 13]);
    mix(v, m, 6, 8, 18, 28, SIGMA[o + 14], SIGMA[o + 15]);
  }
  for (let i = 0; i < 16; i++) h[i] = h[i] ^ v[i] ^ v[i + 16];
}

function update(s: State, input: Uint8Array): void {
  for (let i = 0; i < input.length; i++) {
    if (s.c === BLOCK_BYTES) {
      s.t += s.c;
      compress(s, false);
      s.c = 0;
    }
    s.block[s.c++] = input[i];
  }
}

/**
 * BLAKE2b digest of the concatenation of `inputs`, `outputLength` bytes (1..64), optionally keyed
 * (key 0..64 bytes). Same result as libsodium `crypto_generichash(out, concat(inputs), key)`.
 */
export function blake2b(outputLength: number, inputs: readonly Uint8Array[], key?: Uint8Array): Uint8Array {
  if (!Number.isInteger(outputLength) || outputLength < 1 || outputLength > 64) {
    throw new RangeError(`BLAKE2b output length must be 1..64 bytes, got ${outputLength}`);
  }
  const keyLength = key?.length ?? 0;
  if (keyLength > 64) throw new RangeError(`BLAKE2b key must be at most 64 bytes, got ${keyLength}`);
  const s: State = {
    h: new Uint32Array(IV32),
    block: new Uint8Array(BLOCK_BYTES),
    v: new Uint32Array(32),
    m: new Uint32Array(32),
    t: 0,
    c: 0,
  };
  // Parameter block: digest length, key length, fanout 1, depth 1.
  s.h[0] ^= 0x01010000 ^ (keyLength << 8) ^ outputLength;
  if (key && keyLength > 0) {
    update(s, key);
    s.c = BLOCK_BYTES; // the key is padded to one full block
  }
  for (const input of inputs) update(s, input);
  s.t += s.c;
  s.block.fill(0, s.c);
  compress(s, true);
  const out = new Uint8Array(outputLength);
  for (let i = 0; i < outputLength; i++) out[i] = s.h[i >> 2] >>> (8 * (i & 3));
  return out;
}
