/**
 * Key material and its configuration objects.
 *
 * Generation: system secret y (random scalar), system public key Y = yG. Per domain d: a
 * reshuffle factor s_d and a rekey factor k_d (random scalars) for the transcryptor, and the
 * domain secret key k_d * y for the domain's own service. y itself is thrown away: nobody
 * needs it (senders only need Y). Local pseudonyms depend only on s_d, so keys can be rotated
 * (new y, new k_d) keeping every s_d, and pseudonyms stay the same (`keepReshuffleFactors`).
 */
import { isPseudonymDomain, PSEUDONYM_DOMAINS, type PseudonymDomain } from './domains';
import { PseudonymConfigError } from './errors';
import type { KernelKeys } from './kernel';
import { loadLibpep } from './libpep';

/** What senders (and the sender SDK) need: the system public key, 64 hex characters. */
export interface SystemPublicKeyConfig {
  readonly version: 1;
  readonly systemPublicKey: string;
}

export interface DomainFactors {
  readonly reshuffleFactor: string;
  readonly rekeyFactor: string;
}

/** What the transcryptor (identity service) needs. Secret. */
export interface TranscryptorConfig {
  readonly version: 1;
  readonly systemPublicKey: string;
  readonly domains: Readonly<Partial<Record<PseudonymDomain, DomainFactors>>>;
}

/** What one domain's service needs to read its pseudonyms. Secret. */
export interface DomainKeyConfig {
  readonly version: 1;
  readonly domain: PseudonymDomain;
  readonly secretKey: string;
}

/** Output of `keygen`: distribute each part to its holder only. */
export interface PseudonymKeyMaterial {
  readonly version: 1;
  readonly public: SystemPublicKeyConfig;
  readonly transcryptor: TranscryptorConfig;
  readonly domainKeys: readonly DomainKeyConfig[];
}

const HEX_32 = /^[0-9a-f]{64}$/;

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new PseudonymConfigError(path, 'must be an object');
  return value as Record<string, unknown>;
}

function version(value: Record<string, unknown>, path: string): 1 {
  if (value['version'] !== 1) throw new PseudonymConfigError(`${path}.version`, 'must be 1');
  return 1;
}

function scalarHex(value: unknown, path: string): string {
  if (typeof value !== 'string' || !HEX_32.test(value) || !loadLibpep().ScalarNonZero.fromHex(value)) {
    throw new PseudonymConfigError(path, 'must be a non-zero scalar as 64 lowercase hex characters');
  }
  return value;
}

function pointHex(value: unknown, path: string): string {
  if (typeof value !== 'string' || !HEX_32.test(value) || !loadLibpep().GroupElement.fromHex(value)) {
    throw new PseudonymConfigError(path, 'must be a ristretto255 point as 64 lowercase hex characters');
  }
  return value;
}

export function parseSystemPublicKeyConfig(value: unknown, path = 'public'): SystemPublicKeyConfig {
  const o = object(value, path);
  return {
    version: version(o, path),
    systemPublicKey: pointHex(o['systemPublicKey'], `${path}.systemPublicKey`),
  };
}

export function parseTranscryptorConfig(value: unknown, path = 'transcryptor'): TranscryptorConfig {
  const o = object(value, path);
  const domainsIn = object(o['domains'], `${path}.domains`);
  const domains: Partial<Record<PseudonymDomain, DomainFactors>> = {};
  for (const [name, factors] of Object.entries(domainsIn)) {
    if (!isPseudonymDomain(name))
      throw new PseudonymConfigError(
        `${path}.domains.${name}`,
        `unknown domain (known: ${PSEUDONYM_DOMAINS.join(', ')})`,
      );
    const f = object(factors, `${path}.domains.${name}`);
    domains[name] = {
      reshuffleFactor: scalarHex(f['reshuffleFactor'], `${path}.domains.${name}.reshuffleFactor`),
      rekeyFactor: scalarHex(f['rekeyFactor'], `${path}.domains.${name}.rekeyFactor`),
    };
  }
  if (Object.keys(domains).length === 0)
    throw new PseudonymConfigError(`${path}.domains`, 'needs at least one domain');
  return {
    version: version(o, path),
    systemPublicKey: pointHex(o['systemPublicKey'], `${path}.systemPublicKey`),
    domains,
  };
}

export function parseDomainKeyConfig(value: unknown, path = 'domainKey'): DomainKeyConfig {
  const o = object(value, path);
  const domain = o['domain'];
  if (!isPseudonymDomain(domain))
    throw new PseudonymConfigError(`${path}.domain`, `must be one of ${PSEUDONYM_DOMAINS.join(', ')}`);
  return { version: version(o, path), domain, secretKey: scalarHex(o['secretKey'], `${path}.secretKey`) };
}

export interface KeygenOptions {
  readonly domains?: readonly PseudonymDomain[];
  /** Rotate keys but keep these domains' reshuffle factors, so local pseudonyms do not change. */
  readonly keepReshuffleFactors?: TranscryptorConfig;
}

export function generatePseudonymKeys(options: KeygenOptions = {}): PseudonymKeyMaterial {
  const pep = loadLibpep();
  const domains = options.domains ?? PSEUDONYM_DOMAINS;
  const y = pep.ScalarNonZero.random();
  const systemPublicKey = pep.GroupElement.G().mul(y).toHex();
  const factors: Partial<Record<PseudonymDomain, DomainFactors>> = {};
  const domainKeys: DomainKeyConfig[] = [];
  for (const domain of domains) {
    const kept = options.keepReshuffleFactors?.domains[domain]?.reshuffleFactor;
    const k = pep.ScalarNonZero.random();
    factors[domain] = { reshuffleFactor: kept ?? pep.ScalarNonZero.random().toHex(), rekeyFactor: k.toHex() };
    domainKeys.push({ version: 1, domain, secretKey: k.mul(y).toHex() });
  }
  y.free();
  return {
    version: 1,
    public: { version: 1, systemPublicKey },
    transcryptor: { version: 1, systemPublicKey, domains: factors },
    domainKeys,
  };
}

export function kernelKeys(
  transcryptor: TranscryptorConfig | undefined,
  domainKeys: readonly DomainKeyConfig[] = [],
): KernelKeys {
  const transcrypt: Record<string, DomainFactors> = {};
  for (const [domain, f] of Object.entries(transcryptor?.domains ?? {})) if (f) transcrypt[domain] = f;
  const decrypt: Record<string, string> = {};
  for (const key of domainKeys) decrypt[key.domain] = key.secretKey;
  return { transcrypt, decrypt };
}
