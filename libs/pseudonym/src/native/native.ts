/**
 * The native transcryption backend: a small Node-API addon over the system's libsodium, built
 * on first use with the machine's C compiler and cached by content hash. Nothing is downloaded:
 * it needs `cc`, Node's headers (`<node prefix>/include/node/node_api.h`) and a libsodium shared
 * library (>= 1.0.18, which has ristretto255). Where any of them is missing the platform keeps
 * the libpep-wasm kernel and says why (`pseudonymBackend()`), unless `SMIS_PSEUDONYM_BACKEND=native`
 * demands the native one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PseudonymConfigError } from '../errors';
import { RISTRETTO_ADDON_SOURCE } from './addon-source';

/** What the addon exports; buffers are packed 64-byte ciphertexts, 32-byte scalars/points. */
export interface NativeRistretto {
  transcrypt(
    input: Uint8Array,
    count: number,
    factorB: Uint8Array,
    factorC: Uint8Array,
    out: Uint8Array,
    ok: Uint8Array,
  ): void;
  decrypt(input: Uint8Array, count: number, secretKey: Uint8Array, out: Uint8Array, ok: Uint8Array): void;
  /** ElGamal encryptions of from_hash(64-byte hashes) under `publicKey`, fresh randomness each. */
  encrypt(hashes: Uint8Array, count: number, publicKey: Uint8Array, out: Uint8Array): boolean;
}

export type PseudonymBackendName = 'native-libsodium' | 'libpep-wasm';

export interface PseudonymBackend {
  readonly name: PseudonymBackendName;
  /** The built addon (native backend only): workers load it by path. */
  readonly addonPath?: string;
  /** Why the native backend is not used (wasm backend only). */
  readonly reason?: string;
}

export type BackendChoice = 'auto' | 'native' | 'wasm';

const LIBSODIUM_LINK_OPTIONS = ['-lsodium', '-l:libsodium.so.26', '-l:libsodium.so.23'];

let chosen: PseudonymBackend | undefined;

export function parseBackendChoice(value: string | undefined): BackendChoice {
  const choice = (value ?? 'auto').trim().toLowerCase() || 'auto';
  if (choice === 'auto' || choice === 'native' || choice === 'wasm') return choice;
  throw new PseudonymConfigError('SMIS_PSEUDONYM_BACKEND', `must be auto, native or wasm (got "${value}")`);
}

/**
 * The backend of this process, decided once: `SMIS_PSEUDONYM_BACKEND` = auto (default: native
 * when it builds, else wasm), native (fail when it does not build) or wasm.
 */
export function pseudonymBackend(): PseudonymBackend {
  if (chosen) return chosen;
  const choice = parseBackendChoice(process.env['SMIS_PSEUDONYM_BACKEND']);
  if (choice === 'wasm') {
    chosen = { name: 'libpep-wasm', reason: 'SMIS_PSEUDONYM_BACKEND=wasm' };
    return chosen;
  }
  const built = buildNativeAddon();
  if ('addonPath' in built) {
    chosen = { name: 'native-libsodium', addonPath: built.addonPath };
  } else if (choice === 'native') {
    throw new PseudonymConfigError('SMIS_PSEUDONYM_BACKEND', `native backend unavailable: ${built.reason}`);
  } else {
    chosen = { name: 'libpep-wasm', reason: built.reason };
  }
  return chosen;
}

/**
 * The backend for one transcryptor, decryptor or pool: the process default (`auto`, from
 * `SMIS_PSEUDONYM_BACKEND`), or forced (`wasm`; `native`, which fails when it cannot be built).
 */
export function resolveBackend(choice: BackendChoice = 'auto'): PseudonymBackend {
  if (choice === 'auto') return pseudonymBackend();
  if (choice === 'wasm') return { name: 'libpep-wasm', reason: 'wasm requested' };
  const process = pseudonymBackend();
  if (process.addonPath) return process;
  const built = buildNativeAddon();
  if ('addonPath' in built) return { name: 'native-libsodium', addonPath: built.addonPath };
  throw new PseudonymConfigError('backend', `native backend unavailable: ${built.reason}`);
}

/** The loaded addon of a backend, or undefined for the wasm backend. */
export function loadNativeRistretto(
  backend: PseudonymBackend = pseudonymBackend(),
): NativeRistretto | undefined {
  return backend.addonPath ? (require(backend.addonPath) as NativeRistretto) : undefined;
}

export interface BuildOptions {
  /** Where built addons are cached (default `SMIS_NATIVE_CACHE_DIR`, else node_modules/.cache). */
  readonly cacheDir?: string;
  readonly compiler?: string;
  readonly nodeIncludeDir?: string;
}

/** Builds (or finds in the cache) the addon; never throws: a failure is a reason. */
export function buildNativeAddon(options: BuildOptions = {}): { addonPath: string } | { reason: string } {
  const includeDir = options.nodeIncludeDir ?? findNodeIncludeDir();
  if (!includeDir) return { reason: "Node's C headers (include/node/node_api.h) were not found" };
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  if (!cacheDir) return { reason: 'no writable cache directory for the native addon' };
  const compiler = options.compiler ?? process.env['CC'] ?? 'cc';
  const key = createHash('sha256')
    .update(RISTRETTO_ADDON_SOURCE)
    .update(`${process.platform}-${process.arch}-napi${process.versions.napi}-${compiler}`)
    .digest('hex')
    .slice(0, 16);
  const addonPath = path.join(cacheDir, `ristretto-${key}.node`);
  if (existsSync(addonPath) && loads(addonPath)) return { addonPath };
  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch (error) {
    return { reason: `cannot create ${cacheDir}: ${(error as Error).message}` };
  }
  // Concurrent builders (test workers, service processes) each write their own files and
  // rename atomically: the last rename wins, every one of them is a complete addon.
  const unique = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const sourcePath = path.join(cacheDir, `ristretto-${key}-${unique}.c`);
  const tempPath = path.join(cacheDir, `ristretto-${key}-${unique}.node`);
  writeFileSync(sourcePath, RISTRETTO_ADDON_SOURCE);
  const failures: string[] = [];
  try {
    for (const link of LIBSODIUM_LINK_OPTIONS) {
      try {
        execFileSync(
          compiler,
          ['-O2', '-shared', '-fPIC', `-I${includeDir}`, '-o', tempPath, sourcePath, link],
          { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 },
        );
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message);
        failures.push(`${link}: ${firstLine(stderr)}`);
        continue;
      }
      if (!loads(tempPath)) {
        failures.push(`${link}: built but does not load`);
        continue;
      }
      renameSync(tempPath, addonPath);
      return { addonPath };
    }
    return { reason: `could not build the libsodium addon with ${compiler} (${failures.join('; ')})` };
  } finally {
    rmSync(sourcePath, { force: true });
    rmSync(tempPath, { force: true });
  }
}

function loads(addonPath: string): boolean {
  try {
    const addon = require(addonPath) as Partial<NativeRistretto>;
    return (
      typeof addon.transcrypt === 'function' &&
      typeof addon.decrypt === 'function' &&
      typeof addon.encrypt === 'function'
    );
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /error|not found|cannot/i.test(l)) ?? text.split('\n')[0];
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function findNodeIncludeDir(): string | undefined {
  const candidates = [
    process.env['SMIS_NODE_INCLUDE_DIR'],
    process.env['npm_config_nodedir'] && path.join(process.env['npm_config_nodedir'], 'include', 'node'),
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find(
    (dir): dir is string => typeof dir === 'string' && existsSync(path.join(dir, 'node_api.h')),
  );
}

/** `<the node_modules holding libpep-wasm>/.cache/smis-pseudonym`: owned by the application. */
function defaultCacheDir(): string | undefined {
  const configured = process.env['SMIS_NATIVE_CACHE_DIR'];
  if (configured) return configured;
  try {
    const entry = require.resolve('@nolai/libpep-wasm');
    const at = entry.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    if (at < 0) return undefined;
    return path.join(entry.slice(0, at), 'node_modules', '.cache', 'smis-pseudonym');
  } catch {
    return undefined;
  }
}
