import * as sodium from 'sodium-native';
import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes';
import {
  BadSignatureError,
  EnvelopeError,
  EnvelopeExpiredError,
  MalformedEnvelopeError,
  NotAddressedToDeviceError,
  TamperedCiphertextError,
  UnknownSenderKeyError,
} from './errors';
import { directoryOf, implementations, pairs, sodiumCrypto } from './test-helpers';
import type { EnvelopeCrypto, SealedEnvelope, SenderKeyPair } from './types';
import { decodeEnvelope, encodeEnvelope, envelopeSignedMessage } from './wire-format';

const NOW = 1_767_225_600_000;

function fixture(crypto: EnvelopeCrypto) {
  const sender = crypto.generateSenderKeyPair();
  const devices = [
    crypto.generateDeviceKeyPair(),
    crypto.generateDeviceKeyPair(),
    crypto.generateDeviceKeyPair(),
  ];
  const content = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff);
  const lookupSenderKey = directoryOf('tax-on-web', sender);
  return { sender, devices, content, lookupSenderKey };
}

/** Re-signs an altered envelope with the sender's real key, so only the altered part is wrong. */
function resign(env: Omit<SealedEnvelope, 'signature'>, sender: SenderKeyPair): SealedEnvelope {
  const signature = Buffer.alloc(64);
  sodium.crypto_sign_detached(
    signature,
    Buffer.from(envelopeSignedMessage(env)),
    Buffer.from(sender.secretKey),
  );
  return { ...env, signature: new Uint8Array(signature) };
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe.each(pairs)('sealed envelope %s', (_name, sealer, opener) => {
  const { sender, devices, content, lookupSenderKey } = fixture(sealer);

  it('opens for each addressed device, through the wire format', () => {
    const env = sealer.seal(
      {
        senderId: 'tax-on-web',
        messageId: 'm-1',
        createdAt: NOW,
        expiresAt: NOW + 60_000,
        content,
        recipients: devices,
      },
      sender,
    );
    const bytes = encodeEnvelope(env);
    for (const device of devices) {
      const opened = opener.open(bytes, device, { lookupSenderKey, now: NOW + 1 });
      expect(opened.content).toEqual(content);
      expect(opened).toMatchObject({
        senderId: 'tax-on-web',
        senderKeyId: sender.keyId,
        messageId: 'm-1',
        createdAt: NOW,
        expiresAt: NOW + 60_000,
      });
    }
  });

  it('rejects an envelope whose bytes were altered after signing', () => {
    const bytes = encodeEnvelope(
      sealer.seal({ senderId: 'tax-on-web', messageId: 'm-2', content, recipients: devices }, sender),
    );
    bytes[bytes.length - 100] ^= 0x01; // inside the last key wrap
    expect(catchError(() => opener.open(bytes, devices[0], { lookupSenderKey }))).toBeInstanceOf(
      BadSignatureError,
    );
  });

  it('rejects an envelope signed by another key under the same key id', () => {
    const impostor = { ...sealer.generateSenderKeyPair(), keyId: sender.keyId };
    const env = sealer.seal(
      { senderId: 'tax-on-web', messageId: 'm-3', content, recipients: devices },
      impostor,
    );
    const error = catchError(() => opener.open(env, devices[1], { lookupSenderKey }));
    expect(error).toBeInstanceOf(BadSignatureError);
    expect(error).toMatchObject({
      code: 'BAD_SIGNATURE',
      senderId: 'tax-on-web',
      keyId: sender.keyId,
      messageId: 'm-3',
    });
  });
});

describe.each(implementations)('opening failures with $implementation', (crypto) => {
  const { sender, devices, content, lookupSenderKey } = fixture(crypto);
  const seal = (overrides: { senderId?: string; expiresAt?: number } = {}) =>
    crypto.seal(
      {
        senderId: overrides.senderId ?? 'tax-on-web',
        messageId: 'm-9',
        createdAt: NOW,
        expiresAt: overrides.expiresAt,
        content,
        recipients: devices.slice(0, 2),
      },
      sender,
    );

  it('UnknownSenderKeyError for an unknown sender or key id', () => {
    const unknownSender = catchError(() =>
      crypto.open(seal({ senderId: 'someone-else' }), devices[0], { lookupSenderKey }),
    );
    expect(unknownSender).toBeInstanceOf(UnknownSenderKeyError);
    expect(unknownSender).toMatchObject({
      code: 'UNKNOWN_SENDER_KEY',
      senderId: 'someone-else',
      keyId: sender.keyId,
    });
    const revoked = catchError(() => crypto.open(seal(), devices[0], { lookupSenderKey: () => undefined }));
    expect(revoked).toBeInstanceOf(UnknownSenderKeyError);
  });

  it('NotAddressedToDeviceError for a device without a key wrap', () => {
    const error = catchError(() => crypto.open(seal(), devices[2], { lookupSenderKey }));
    expect(error).toBeInstanceOf(NotAddressedToDeviceError);
    expect(error).toMatchObject({
      code: 'NOT_ADDRESSED_TO_DEVICE',
      keyId: devices[2].keyId,
      messageId: 'm-9',
    });
  });

  it('EnvelopeExpiredError at and after expiresAt, not before', () => {
    const env = seal({ expiresAt: NOW + 1000 });
    expect(crypto.open(env, devices[0], { lookupSenderKey, now: NOW + 999 }).content).toEqual(content);
    const error = catchError(() => crypto.open(env, devices[0], { lookupSenderKey, now: NOW + 1000 }));
    expect(error).toBeInstanceOf(EnvelopeExpiredError);
    expect(error).toMatchObject({ code: 'ENVELOPE_EXPIRED', expiresAt: NOW + 1000, now: NOW + 1000 });
  });

  it('TamperedCiphertextError when a validly signed content does not authenticate', () => {
    const env = seal();
    const ciphertext = env.ciphertext.slice();
    ciphertext[20] ^= 0x80;
    const error = catchError(() =>
      crypto.open(resign({ ...env, ciphertext }, sender), devices[0], { lookupSenderKey }),
    );
    expect(error).toBeInstanceOf(TamperedCiphertextError);
    expect(error).toMatchObject({ code: 'TAMPERED_CIPHERTEXT', part: 'content' });
  });

  it('TamperedCiphertextError when a validly signed key wrap does not open', () => {
    const env = seal();
    const wraps = env.wraps.map((w) => ({
      ...w,
      sealedKey: w.sealedKey.map((b, i) => (i === 40 ? b ^ 1 : b)),
    }));
    const error = catchError(() =>
      crypto.open(resign({ ...env, wraps }, sender), devices[0], { lookupSenderKey }),
    );
    expect(error).toBeInstanceOf(TamperedCiphertextError);
    expect(error).toMatchObject({ part: 'key-wrap' });
  });

  it('TamperedCiphertextError when the device secret key does not match the key id', () => {
    const wrongKey = { ...crypto.generateDeviceKeyPair(), keyId: devices[0].keyId };
    expect(catchError(() => crypto.open(seal(), wrongKey, { lookupSenderKey }))).toBeInstanceOf(
      TamperedCiphertextError,
    );
  });

  it('MalformedEnvelopeError for bytes that are not an envelope', () => {
    const error = catchError(() =>
      crypto.open(utf8('definitely not an envelope'), devices[0], { lookupSenderKey }),
    );
    expect(error).toBeInstanceOf(MalformedEnvelopeError);
    expect(error).toBeInstanceOf(EnvelopeError);
    expect(error).toMatchObject({ code: 'MALFORMED_ENVELOPE', reason: 'bad-magic', retriable: false });
  });

  it('every error class is an EnvelopeError with a distinct code and its own name', () => {
    const errors: EnvelopeError[] = [
      new MalformedEnvelopeError('truncated', 'x'),
      new UnknownSenderKeyError({}),
      new BadSignatureError({}),
      new EnvelopeExpiredError(1, 2, {}),
      new NotAddressedToDeviceError({}),
      new TamperedCiphertextError('content', 'x'),
    ];
    expect(new Set(errors.map((e) => e.code)).size).toBe(errors.length);
    for (const e of errors) {
      expect(e).toBeInstanceOf(EnvelopeError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(e.constructor.name);
    }
  });
});

describe.each(implementations)('sealing input checks with $implementation', (crypto) => {
  const { sender, devices, content } = fixture(crypto);

  it('puts key wraps in key-id order whatever the recipient order', () => {
    const env = crypto.seal(
      { senderId: 's', messageId: 'm', content, recipients: [...devices].reverse() },
      sender,
    );
    expect(env.wraps.map((w) => w.deviceKeyId)).toEqual(devices.map((d) => d.keyId).sort());
    expect(decodeEnvelope(encodeEnvelope(env))).toEqual(env);
  });

  it('rejects no recipients, duplicates, a key id that does not match the key, a bad sender key', () => {
    expect(() => crypto.seal({ senderId: 's', messageId: 'm', content, recipients: [] }, sender)).toThrow(
      RangeError,
    );
    expect(() =>
      crypto.seal({ senderId: 's', messageId: 'm', content, recipients: [devices[0], devices[0]] }, sender),
    ).toThrow(/listed twice/);
    expect(() =>
      crypto.seal(
        { senderId: 's', messageId: 'm', content, recipients: [{ ...devices[0], keyId: devices[1].keyId }] },
        sender,
      ),
    ).toThrow(/does not match/);
    expect(() =>
      crypto.seal(
        { senderId: 's', messageId: 'm', content, recipients: devices },
        { ...sender, secretKey: new Uint8Array(32) },
      ),
    ).toThrow(RangeError);
  });

  it('rejects ids that do not fit the wire format', () => {
    expect(() => crypto.seal({ senderId: '', messageId: 'm', content, recipients: devices }, sender)).toThrow(
      MalformedEnvelopeError,
    );
    expect(() =>
      crypto.seal({ senderId: 's', messageId: 'x'.repeat(256), content, recipients: devices }, sender),
    ).toThrow(MalformedEnvelopeError);
  });

  it('uses fresh randomness: the same request seals to different bytes', () => {
    const request = { senderId: 's', messageId: 'm', createdAt: NOW, content, recipients: devices };
    expect(encodeEnvelope(crypto.seal(request, sender))).not.toEqual(
      encodeEnvelope(crypto.seal(request, sender)),
    );
  });
});

describe('keys', () => {
  it('derive the same key pairs and key ids from the same seed on both sides', () => {
    const seed = new Uint8Array(32).fill(9);
    const [a, b] = implementations;
    expect(a.deviceKeyPairFromSeed(seed)).toEqual(b.deviceKeyPairFromSeed(seed));
    expect(a.senderKeyPairFromSeed(seed)).toEqual(b.senderKeyPairFromSeed(seed));
    const device = a.generateDeviceKeyPair();
    expect(b.keyIdOf(device.publicKey)).toBe(device.keyId);
  });

  it('key ids are 16 lowercase hex characters: the first 8 bytes of BLAKE2b-256 of the public key', () => {
    const pair = sodiumCrypto.generateSenderKeyPair();
    expect(pair.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(pair.publicKey).toHaveLength(32);
    expect(pair.secretKey).toHaveLength(64);
    expect(() => sodiumCrypto.keyIdOf(new Uint8Array(31))).toThrow(RangeError);
    expect(() => sodiumCrypto.deviceKeyPairFromSeed(new Uint8Array(16))).toThrow(RangeError);
  });
});
