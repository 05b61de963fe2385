import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { generatePseudonymKeys, type PseudonymKeyMaterial } from '@smis/pseudonym';

/** Services that call the transcryptor or each other; each has a bearer token. */
export const SERVICE_NAMES = [
  'router',
  'app-channel',
  'sms-channel',
  'email-channel',
  'gateway',
  'broadcast',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** An X25519 key pair of a channel service; senders seal fallback texts to its public key. */
export interface ChannelKeyMaterial {
  keyId: string;
  /** base64 */
  publicKey: string;
  /** base64, secret */
  secretKey: string;
}

/**
 * Every secret of a local platform in one place. Production distributes each part only to its
 * holder (Kubernetes Secrets per service); `npm start` keeps them in `.smis/keys.json` (0600).
 */
export interface PlatformKeyring {
  version: 1;
  pseudonym: PseudonymKeyMaterial;
  channels: { sms: ChannelKeyMaterial; email: ChannelKeyMaterial };
  /** Ed25519 key the identity service signs enrolment credentials with (JWK, EdDSA). */
  identity: { credentialPrivateKey: JsonWebKey; credentialPublicKey: JsonWebKey };
  /** Bearer tokens services present to the transcryptor and to internal APIs. */
  serviceTokens: Record<ServiceName, string>;
  /** 32-byte key (base64) that encrypts webhook secrets at rest in the status service. */
  statusWebhookSecretKey: string;
}

export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

function channelKeys(): ChannelKeyMaterial {
  const pair = createSodiumEnvelopeCrypto().generateDeviceKeyPair();
  return {
    keyId: pair.keyId,
    publicKey: Buffer.from(pair.publicKey).toString('base64'),
    secretKey: Buffer.from(pair.secretKey).toString('base64'),
  };
}

export function generateKeyring(): PlatformKeyring {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    version: 1,
    pseudonym: generatePseudonymKeys(),
    channels: { sms: channelKeys(), email: channelKeys() },
    identity: {
      credentialPrivateKey: privateKey.export({ format: 'jwk' }),
      credentialPublicKey: publicKey.export({ format: 'jwk' }),
    },
    serviceTokens: Object.fromEntries(
      SERVICE_NAMES.map((s) => [s, randomBytes(24).toString('base64url')]),
    ) as Record<ServiceName, string>,
    statusWebhookSecretKey: randomBytes(32).toString('base64'),
  };
}

export function parseKeyring(value: unknown, source = 'keyring'): PlatformKeyring {
  const k = value as Partial<PlatformKeyring> | null;
  const missing: string[] = [];
  if (!k || k.version !== 1) missing.push('version (must be 1)');
  if (!k?.pseudonym?.transcryptor) missing.push('pseudonym');
  if (!k?.channels?.sms?.publicKey || !k?.channels?.email?.publicKey)
    missing.push('channels.sms / channels.email');
  if (!k?.identity?.credentialPrivateKey) missing.push('identity.credentialPrivateKey');
  for (const s of SERVICE_NAMES) if (!k?.serviceTokens?.[s]) missing.push(`serviceTokens.${s}`);
  if (!k?.statusWebhookSecretKey) missing.push('statusWebhookSecretKey');
  if (missing.length > 0) throw new KeyringError(`${source} is incomplete: ${missing.join(', ')}`);
  return k as PlatformKeyring;
}

/** Reads the keyring file, or creates it (mode 0600) on first use. */
export function loadOrCreateKeyring(file: string): { keyring: PlatformKeyring; created: boolean } {
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new KeyringError(
        `Cannot read ${file}: ${(error as Error).message}. Delete it to generate new keys.`,
      );
    }
    return { keyring: parseKeyring(parsed, file), created: false };
  }
  const keyring = generateKeyring();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(keyring, null, 2)}\n`, { mode: 0o600 });
  return { keyring, created: true };
}
