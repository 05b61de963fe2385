import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_POLICY, LANGUAGES, type Sender, type SenderPolicy } from './sender';

export const SENDER_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const KEY_ID = /^[0-9a-f]{16}$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export class SenderRegistryError extends Error {
  override readonly name = 'SenderRegistryError';
}

/** Who may send: read by the gateway, the router and the app channel's sender directory. */
export interface SenderRegistry {
  get(senderId: string): Sender | undefined;
  list(): readonly Sender[];
  /** The Ed25519 public key of (sender, keyId), if the sender has it; for @smis/crypto. */
  signingKey(senderId: string, keyId: string): Uint8Array | undefined;
}

/** Checks one sender entry, naming the path of each problem; fills policy defaults. */
export function validateSender(value: unknown, path = 'sender'): Sender {
  const problems: string[] = [];
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof v.senderId !== 'string' || !SENDER_ID.test(v.senderId)) {
    problems.push(`${path}.senderId must be 1-64 lower-case letters, digits or dashes`);
  }
  const names = (v.displayName ?? {}) as Record<string, unknown>;
  if (typeof names.en !== 'string' || !names.en) problems.push(`${path}.displayName.en is required`);
  for (const key of Object.keys(names)) {
    if (!LANGUAGES.includes(key as never))
      problems.push(`${path}.displayName.${key}: not one of ${LANGUAGES.join(', ')}`);
  }
  const keys = Array.isArray(v.signingKeys) ? (v.signingKeys as Record<string, unknown>[]) : [];
  if (keys.length === 0) problems.push(`${path}.signingKeys must list at least one key`);
  keys.forEach((k, i) => {
    if (typeof k.keyId !== 'string' || !KEY_ID.test(k.keyId))
      problems.push(`${path}.signingKeys[${i}].keyId must be 16 hex characters`);
    if (typeof k.publicKey !== 'string' || Buffer.from(k.publicKey, 'base64').length !== 32) {
      problems.push(`${path}.signingKeys[${i}].publicKey must be a base64 Ed25519 public key (32 bytes)`);
    }
    if (k.notAfter !== undefined && Number.isNaN(Date.parse(String(k.notAfter)))) {
      problems.push(`${path}.signingKeys[${i}].notAfter must be an ISO 8601 instant`);
    }
  });
  const policy = { ...DEFAULT_POLICY, ...((v.policy ?? {}) as Partial<SenderPolicy>) };
  for (const field of [
    'ratePerSecond',
    'dailyQuota',
    'maxEnvelopeBytes',
    'maxFallbackWindowSeconds',
  ] as const) {
    if (!(Number.isFinite(policy[field]) && policy[field] > 0))
      problems.push(`${path}.policy.${field} must be a positive number`);
  }
  if (policy.defaultFallbackWindowSeconds > policy.maxFallbackWindowSeconds) {
    problems.push(`${path}.policy.defaultFallbackWindowSeconds exceeds maxFallbackWindowSeconds`);
  }
  if (policy.quietHours && !(HHMM.test(policy.quietHours.start) && HHMM.test(policy.quietHours.end))) {
    problems.push(`${path}.policy.quietHours start and end must be HH:MM`);
  }
  policy.citizenCaps.forEach((c, i) => {
    if (!(c.max >= 0 && c.periodHours > 0))
      problems.push(`${path}.policy.citizenCaps[${i}] needs max >= 0 and periodHours > 0`);
  });
  if (problems.length > 0) throw new SenderRegistryError(`Invalid sender registry: ${problems.join('; ')}`);
  return { ...(v as unknown as Sender), policy };
}

/** An immutable registry over validated entries. */
export function createSenderRegistry(senders: readonly unknown[]): SenderRegistry {
  const byId = new Map<string, Sender>();
  senders.forEach((s, i) => {
    const sender = validateSender(s, `senders[${i}]`);
    if (byId.has(sender.senderId))
      throw new SenderRegistryError(`Sender '${sender.senderId}' is listed twice`);
    byId.set(sender.senderId, sender);
  });
  const keyCache = new Map<string, Uint8Array>();
  return {
    get: (id) => byId.get(id),
    list: () => [...byId.values()],
    signingKey(senderId, keyId) {
      const cacheKey = `${senderId}/${keyId}`;
      const cached = keyCache.get(cacheKey);
      if (cached) return cached;
      const key = byId.get(senderId)?.signingKeys.find((k) => k.keyId === keyId);
      if (!key) return undefined;
      const bytes = new Uint8Array(Buffer.from(key.publicKey, 'base64'));
      keyCache.set(cacheKey, bytes);
      return bytes;
    },
  };
}

/** Reads `senders:` from a YAML (or JSON) file. */
export function loadSenderRegistry(file: string): SenderRegistry {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SenderRegistryError(`Cannot read the sender registry ${file}: ${(error as Error).message}`);
  }
  const senders = (doc as { senders?: unknown })?.senders;
  if (!Array.isArray(senders)) throw new SenderRegistryError(`${file} must have a 'senders:' list`);
  return createSenderRegistry(senders);
}
