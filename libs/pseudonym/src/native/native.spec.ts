import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePseudonymKeys, kernelKeys, parseDomainKeyConfig, parseTranscryptorConfig } from '../config';
import { PseudonymConfigError } from '../errors';
import { createKernel } from '../kernel';
import { loadLibpep } from '../libpep';
import { createPseudonymizer } from '../pseudonymizer';
import { createDomainDecryptor, createTranscryptor } from '../transcryptor';
import { createPseudonymWorkerPool } from '../worker-pool';
import { buildNativeAddon, loadNativeRistretto, parseBackendChoice, pseudonymBackend } from './native';

const pep = loadLibpep();
const keys = generatePseudonymKeys();
const parsedKeys = kernelKeys(
  parseTranscryptorConfig(keys.transcryptor),
  keys.domainKeys.map((k) => parseDomainKeyConfig(k)),
);

/**
 * CI (.ci/run installs the compiler and libsodium, and exports SMIS_REQUIRE_NATIVE_PSEUDONYM=1;
 * `CI` set alone counts too) demands the native kernel: its tests fail where it does not build.
 * Elsewhere they are reported as skipped, with the reason, never passed without running.
 * SMIS_REQUIRE_NATIVE_PSEUDONYM=0 lifts the demand.
 */
function nativeRequired(): boolean {
  const demanded = process.env['SMIS_REQUIRE_NATIVE_PSEUDONYM']?.trim();
  if (demanded) return demanded !== '0' && demanded.toLowerCase() !== 'false';
  const ci = process.env['CI']?.trim().toLowerCase();
  return !!ci && ci !== '0' && ci !== 'false';
}

/** What the native build needs, checked independently of native.ts. */
function prerequisites(): { ok: boolean; missing: string[] } {
  const missing: string[] = [];
  try {
    execFileSync('sh', ['-c', 'command -v "${CC:-cc}"'], { stdio: 'ignore' });
  } catch {
    missing.push('a C compiler');
  }
  const headers = path.resolve(path.dirname(process.execPath), '..', 'include', 'node', 'node_api.h');
  if (!existsSync(headers) && !existsSync('/usr/include/node/node_api.h')) missing.push("Node's headers");
  let libs = '';
  try {
    libs = execFileSync('sh', ['-c', 'ldconfig -p 2>/dev/null || true']).toString();
  } catch {
    /* no ldconfig */
  }
  if (!/libsodium\.so/.test(libs)) missing.push('libsodium');
  return { ok: missing.length === 0, missing };
}

/** Random ciphertexts plus the malformed cases a decoder must refuse identically. */
function sampleCiphertexts(count: number): Uint8Array {
  const input = new Uint8Array(count * 64);
  for (let i = 0; i < count; i++) {
    input.set(pep.GroupElement.random().toBytes(), i * 64);
    input.set(pep.GroupElement.random().toBytes(), i * 64 + 32);
  }
  input.fill(0, 0, 32); // identity randomizer
  input.fill(0, 64 + 32, 128); // identity c
  input.fill(0xff, 2 * 64, 2 * 64 + 32); // not a field element
  input[3 * 64 + 31] |= 0x80; // high bit set: non-canonical
  input[4 * 64 + 63] |= 0x80; // c with the high bit set
  input[5 * 64] |= 1; // negative field element: invalid ristretto encoding
  return input;
}

describe('native transcryption backend (libsodium addon)', () => {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'smis-native-'));

  afterAll(() => {
    // Nothing to clean beyond the temp dir the OS reclaims; the test leaves no partial files.
    expect(readdirSync(cacheDir).filter((f) => !f.endsWith('.node'))).toEqual([]);
  });

  it('is chosen on a machine with a C compiler, Node headers and libsodium, else says what is missing', () => {
    const needs = prerequisites();
    const built = buildNativeAddon({ cacheDir });
    const backend = pseudonymBackend();
    if (nativeRequired()) {
      // Required: fail with what is missing and why the build did not succeed.
      expect({ missing: needs.missing, built, backend }).toEqual({
        missing: [],
        built: { addonPath: expect.any(String) },
        backend: expect.objectContaining({ name: 'native-libsodium' }),
      });
    } else if (needs.ok) {
      expect(built).toHaveProperty('addonPath');
      expect(backend.name).toBe('native-libsodium');
    } else {
      expect(built).toHaveProperty('reason');
      expect(backend.name).toBe('libpep-wasm');
      expect(backend.reason).toMatch(/headers|compiler|libsodium|build/);
    }
  });

  it('gives exactly the bytes of the libpep kernel, valid and malformed inputs alike', (context) => {
    const native = loadNativeRistretto();
    if (!native) {
      const reason = pseudonymBackend().reason;
      expect(reason).toBeTruthy();
      if (nativeRequired()) {
        expect.fail(
          `the native kernel is required here (CI / SMIS_REQUIRE_NATIVE_PSEUDONYM) but unavailable: ${reason}`,
        );
      }
      const note = `native kernel unavailable, nothing compared: ${reason}`;
      console.warn(`[pseudonym] skipped: ${note}`);
      context.skip(note);
    }
    const reference = createKernel(pep, parsedKeys);
    const fast = createKernel(pep, parsedKeys, native);
    const count = 300;
    const input = sampleCiphertexts(count);
    for (const domain of Object.keys(parsedKeys.transcrypt)) {
      const a = reference('transcrypt', domain, input, count);
      const b = fast('transcrypt', domain, input, count);
      expect(Buffer.from(b.ok).equals(Buffer.from(a.ok))).toBe(true);
      expect(Buffer.from(b.out).equals(Buffer.from(a.out))).toBe(true);
      // The malformed ones are refused by both, the rest accepted.
      expect([...a.ok.subarray(2, 6)]).toEqual([0, 0, 0, 0]);
      expect(a.ok.subarray(6).every((v) => v === 1)).toBe(true);
    }
    for (const domain of Object.keys(parsedKeys.decrypt)) {
      const a = reference('decrypt', domain, input, count);
      const b = fast('decrypt', domain, input, count);
      expect(Buffer.from(b.ok).equals(Buffer.from(a.ok))).toBe(true);
      expect(Buffer.from(b.out).equals(Buffer.from(a.out))).toBe(true);
    }
  });

  it('round-trips identifiers to the same local pseudonyms in-thread and in the worker pool', async () => {
    const pseudonymizer = createPseudonymizer(keys.public);
    const transcryptor = createTranscryptor(keys.transcryptor);
    const router = createDomainDecryptor(
      keys.domainKeys.find((k) => k.domain === 'router') ?? keys.domainKeys[0],
    );
    const polymorphic = Array.from({ length: 40 }, (_, i) =>
      pseudonymizer.polymorphicPseudonym(`tel:+32471${String(100_000 + i)}`),
    );
    const pool = createPseudonymWorkerPool({ transcryptor: keys.transcryptor, size: 2, chunkSize: 7 });
    try {
      expect(pool.backend).toBe(pseudonymBackend().name);
      const pooled = await pool.transcryptBatch(polymorphic, router.domain);
      const inThread = transcryptor.transcryptBatch(polymorphic, router.domain);
      const locals = (outcomes: typeof pooled) =>
        outcomes.map((o) => {
          if (!o.ok) throw o.error;
          return router.decrypt(o.value);
        });
      expect(locals(pooled)).toEqual(locals(inThread));
      expect(new Set(locals(pooled)).size).toBe(polymorphic.length);
    } finally {
      await pool.close();
    }
  });

  it('creates polymorphic pseudonyms that decrypt to the same local pseudonyms as libpep-wasm ones', () => {
    const viaWasm = createPseudonymizer(keys.public, { backend: 'wasm' });
    const viaDefault = createPseudonymizer(keys.public);
    const transcryptor = createTranscryptor(keys.transcryptor, { backend: 'wasm' });
    const app = keys.domainKeys.find((k) => k.domain === 'app') ?? keys.domainKeys[0];
    const decryptor = createDomainDecryptor(app, { backend: 'wasm' });
    const local = (p: ReturnType<typeof viaWasm.polymorphicPseudonym>) =>
      decryptor.decrypt(transcryptor.transcrypt(p, decryptor.domain));
    for (const identifier of ['niss:93051822361', 'tel:+32471234567', 'tel:+32470000001']) {
      const a = viaDefault.polymorphicPseudonym(identifier);
      const b = viaDefault.polymorphicPseudonym(identifier);
      expect(a).not.toBe(b); // fresh randomness each time
      expect(local(a)).toBe(local(viaWasm.polymorphicPseudonym(identifier)));
      expect(local(b)).toBe(local(a));
    }
  });

  it('reports a failed build as a reason, and refuses an unknown backend name', () => {
    const failed = buildNativeAddon({ cacheDir, compiler: path.join(cacheDir, 'no-such-cc') });
    expect(failed).toEqual({ reason: expect.stringContaining('could not build the libsodium addon') });
    expect(parseBackendChoice(undefined)).toBe('auto');
    expect(parseBackendChoice(' Native ')).toBe('native');
    expect(() => parseBackendChoice('gpu')).toThrow(PseudonymConfigError);
  });
});
