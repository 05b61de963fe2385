/**
 * The hot loop: reshuffle+rekey (transcrypt) or decrypt a packed batch of ElGamal ciphertexts.
 *
 * `createKernel` is self-contained on purpose (no imports, no outer variables, no syntax that
 * compiles to helpers): the worker pool ships its source text to the workers with
 * `createKernel.toString()`, so the in-thread and the pooled paths run the very same code.
 */
import type { LibpepModule } from './libpep';
import type { NativeRistretto } from './native/native';

export interface KernelKeys {
  /** Per domain: reshuffle factor s and rekey factor k, as 64-char hex scalars. */
  readonly transcrypt: Readonly<
    Record<string, { readonly reshuffleFactor: string; readonly rekeyFactor: string }>
  >;
  /** Per domain: the domain secret key, as 64-char hex scalar. */
  readonly decrypt: Readonly<Record<string, string>>;
}

export type KernelOp = 'transcrypt' | 'decrypt';

export interface KernelResult {
  /** 64 bytes per item (transcrypt) or 32 bytes per item (decrypt). */
  readonly out: Uint8Array;
  /** 1 where the item was processed, 0 where its ciphertext did not decode. */
  readonly ok: Uint8Array;
}

export type Kernel = (op: KernelOp, domain: string, input: Uint8Array, count: number) => KernelResult;

/**
 * With `native` (the libsodium addon) the loops run in C; the scalars are still derived with
 * libpep, and both paths give the same bytes (pseudonym.spec.ts compares them).
 */
export function createKernel(pep: LibpepModule, keys: KernelKeys, native?: NativeRistretto): Kernel {
  const scalar = (hex: string) => {
    const s = pep.ScalarNonZero.fromHex(hex);
    if (!s) throw new Error('key material holds a scalar that is not a non-zero 32-byte scalar');
    return s;
  };
  // Transcryption of Enc(r, M, Y) = (rG, M + rY) into domain (s, k):
  //   (b, c) -> ((s/k) b, s c) = Enc(rs/k, sM, kY), decryptable with k*y, giving sM.
  // s/k is computed once here rather than per item (libpep's rsk inverts k on every call).
  const factors: Record<
    string,
    { b: ReturnType<typeof scalar>; c: ReturnType<typeof scalar>; bBytes: Uint8Array; cBytes: Uint8Array }
  > = {};
  for (const domain of Object.keys(keys.transcrypt)) {
    const s = scalar(keys.transcrypt[domain].reshuffleFactor);
    const k = scalar(keys.transcrypt[domain].rekeyFactor);
    const b = s.mul(k.invert());
    factors[domain] = { b, c: s, bBytes: b.toBytes(), cBytes: s.toBytes() };
  }
  const secretKeys: Record<string, ReturnType<typeof scalar>> = {};
  for (const domain of Object.keys(keys.decrypt)) secretKeys[domain] = scalar(keys.decrypt[domain]);

  return function run(op, domain, input, count) {
    const ok = new Uint8Array(count);
    if (op === 'transcrypt') {
      const f = factors[domain];
      if (!f) throw new Error('no transcryption factors for domain ' + domain);
      const out = new Uint8Array(count * 64);
      if (native) {
        native.transcrypt(input, count, f.bBytes, f.cBytes, out, ok);
        return { out, ok };
      }
      for (let i = 0; i < count; i++) {
        const at = i * 64;
        const b = pep.GroupElement.fromBytes(input.subarray(at, at + 32));
        const c = pep.GroupElement.fromBytes(input.subarray(at + 32, at + 64));
        if (b && c) {
          const b2 = b.mul(f.b);
          const c2 = c.mul(f.c);
          out.set(b2.toBytes(), at);
          out.set(c2.toBytes(), at + 32);
          b2.free();
          c2.free();
          ok[i] = 1;
        }
        if (b) b.free();
        if (c) c.free();
      }
      return { out, ok };
    }
    const y = secretKeys[domain];
    if (!y) throw new Error('no secret key for domain ' + domain);
    const out = new Uint8Array(count * 32);
    if (native) {
      native.decrypt(input, count, y.toBytes(), out, ok);
      return { out, ok };
    }
    for (let i = 0; i < count; i++) {
      const ciphertext = pep.ElGamal.fromBytes(input.subarray(i * 64, i * 64 + 64));
      if (ciphertext) {
        const m = pep.decrypt(ciphertext, y);
        out.set(m.toBytes(), i * 32);
        m.free();
        ciphertext.free();
        ok[i] = 1;
      }
    }
    return { out, ok };
  };
}
