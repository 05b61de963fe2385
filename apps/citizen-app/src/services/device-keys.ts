import nacl from 'tweetnacl';
import { createTweetnaclEnvelopeCrypto, type DeviceKeyPair } from '@smis/crypto';
import { bufferOf, toBase64, toBase64Url } from '../lib/bytes';
import type { KeyValueStore } from './storage';

/** The device's identity: an id, an X25519 pair (envelopes) and an Ed25519 pair (request signing). */
export interface DeviceKeys {
  deviceId: string;
  encryption: DeviceKeyPair;
  signing: { publicKey: Uint8Array; secretKey: Uint8Array };
}

const crypto = createTweetnaclEnvelopeCrypto();

export function generateDeviceKeys(): DeviceKeys {
  const signing = nacl.sign.keyPair();
  return {
    deviceId: toBase64Url(nacl.randomBytes(18)),
    encryption: crypto.generateDeviceKeyPair(),
    signing: { publicKey: signing.publicKey, secretKey: signing.secretKey },
  };
}

export function publicKeysOf(keys: DeviceKeys): { encryptionPublicKey: string; signingPublicKey: string } {
  return {
    encryptionPublicKey: toBase64(keys.encryption.publicKey),
    signingPublicKey: toBase64(keys.signing.publicKey),
  };
}

/** What is written to storage: the wrapping key (non-extractable) and the private keys sealed with it. */
interface StoredKeys {
  v: 1;
  deviceId: string;
  wrappingKey: CryptoKey;
  iv: Uint8Array;
  sealed: ArrayBuffer;
  encryptionPublicKey: Uint8Array;
  signingPublicKey: Uint8Array;
}

const KEYS = 'device-keys';

/**
 * Keeps the private keys on the device: encrypted with an AES-GCM key that WebCrypto generated as
 * non-extractable, stored next to them in IndexedDB. Whoever reads the database (a backup, a
 * profile copy) gets ciphertext and a key handle that cannot be exported — the raw keys exist
 * only in memory while the app runs.
 */
export class DeviceKeyStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly subtle: SubtleCrypto = globalThis.crypto.subtle,
  ) {}

  async save(keys: DeviceKeys): Promise<void> {
    const wrappingKey = await this.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
      'encrypt',
      'decrypt',
    ]);
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const plain = new Uint8Array(32 + 64);
    plain.set(keys.encryption.secretKey, 0);
    plain.set(keys.signing.secretKey, 32);
    const sealed = await this.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(`smis-device:${keys.deviceId}`) },
      wrappingKey,
      plain,
    );
    plain.fill(0);
    const stored: StoredKeys = {
      v: 1,
      deviceId: keys.deviceId,
      wrappingKey,
      iv,
      sealed,
      encryptionPublicKey: keys.encryption.publicKey,
      signingPublicKey: keys.signing.publicKey,
    };
    await this.store.set(KEYS, stored);
  }

  async load(): Promise<DeviceKeys | undefined> {
    const stored = await this.store.get<StoredKeys>(KEYS);
    if (!stored) return undefined;
    const plain = new Uint8Array(
      await this.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: bufferOf(stored.iv),
          additionalData: new TextEncoder().encode(`smis-device:${stored.deviceId}`),
        },
        stored.wrappingKey,
        stored.sealed,
      ),
    );
    const encryptionSecret = plain.slice(0, 32);
    const signingSecret = plain.slice(32, 96);
    plain.fill(0);
    const encryption = nacl.box.keyPair.fromSecretKey(encryptionSecret);
    return {
      deviceId: stored.deviceId,
      encryption: {
        keyId: crypto.keyIdOf(encryption.publicKey),
        publicKey: encryption.publicKey,
        secretKey: encryption.secretKey,
      },
      signing: { publicKey: stored.signingPublicKey, secretKey: signingSecret },
    };
  }

  async clear(): Promise<void> {
    await this.store.delete(KEYS);
  }
}
