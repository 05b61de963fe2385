import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { DeviceKeyStore, generateDeviceKeys, publicKeysOf } from './device-keys';
import { memoryStore } from './storage';

const contains = (haystack: Uint8Array, needle: Uint8Array): boolean => {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
};

describe('device keys', () => {
  it('generates X25519 and Ed25519 pairs and a device id the app channel accepts', () => {
    const keys = generateDeviceKeys();
    expect(keys.deviceId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(keys.encryption.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(nacl.box.keyPair.fromSecretKey(keys.encryption.secretKey).publicKey).toEqual(
      keys.encryption.publicKey,
    );
    const sig = nacl.sign.detached(new Uint8Array([1, 2, 3]), keys.signing.secretKey);
    expect(nacl.sign.detached.verify(new Uint8Array([1, 2, 3]), sig, keys.signing.publicKey)).toBe(true);
    const pub = publicKeysOf(keys);
    expect(atob(pub.encryptionPublicKey)).toHaveLength(32);
    expect(atob(pub.signingPublicKey)).toHaveLength(32);
  });

  it('stores the private keys wrapped with a non-extractable AES-GCM key and loads them back', async () => {
    const store = memoryStore();
    const keyStore = new DeviceKeyStore(store);
    const keys = generateDeviceKeys();
    await keyStore.save(keys);

    const stored = (await store.get<{ wrappingKey: CryptoKey; sealed: ArrayBuffer }>('device-keys')) as {
      wrappingKey: CryptoKey;
      sealed: ArrayBuffer;
    };
    expect(stored.wrappingKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', stored.wrappingKey)).rejects.toThrow();
    const sealed = new Uint8Array(stored.sealed);
    expect(contains(sealed, keys.encryption.secretKey)).toBe(false);
    expect(contains(sealed, keys.signing.secretKey.subarray(0, 32))).toBe(false);

    const loaded = await new DeviceKeyStore(store).load();
    expect(loaded?.deviceId).toBe(keys.deviceId);
    expect(loaded?.encryption.secretKey).toEqual(keys.encryption.secretKey);
    expect(loaded?.encryption.keyId).toBe(keys.encryption.keyId);
    expect(loaded?.signing.secretKey).toEqual(keys.signing.secretKey);
  });

  it('refuses a tampered sealed blob', async () => {
    const store = memoryStore();
    await new DeviceKeyStore(store).save(generateDeviceKeys());
    const stored = (await store.get<{ sealed: ArrayBuffer }>('device-keys')) as { sealed: ArrayBuffer };
    new Uint8Array(stored.sealed)[5] ^= 1;
    await expect(new DeviceKeyStore(store).load()).rejects.toThrow();
  });

  it('has nothing to load before enrolment', async () => {
    expect(await new DeviceKeyStore(memoryStore()).load()).toBeUndefined();
  });
});
