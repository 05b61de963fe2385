/**
 * The committed test vectors (libs/crypto/test-vectors/*.json): fixed seeds in, exact bytes out.
 * `buildVectors` runs them through the deterministic seeding path of one implementation; the
 * spec checks that both implementations reproduce the committed file byte for byte.
 */
import { blake2b } from '../blake2b';
import { fromHex, toHex, utf8 } from '../bytes';
import { createDeterministicEnvelopeCrypto } from '../testing';
import { encodeEnvelope } from '../wire-format';

export interface EnvelopeVectorCase {
  readonly name: string;
  readonly randomSeed: string;
  readonly senderSeed: string;
  readonly deviceSeeds: readonly string[];
  readonly senderId: string;
  readonly messageId: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly contentHex: string;
}

export interface FallbackVectorCase {
  readonly name: string;
  readonly randomSeed: string;
  readonly senderSeed: string;
  readonly channelSeed: string;
  readonly senderId: string;
  readonly messageId: string;
  readonly text: string;
}

const seed = (label: string): string => toHex(blake2b(32, [utf8(`smis test vector seed: ${label}`)]));
const pattern = (length: number): string => toHex(Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff));

export const ENVELOPE_CASES: readonly EnvelopeVectorCase[] = [
  {
    name: 'one-device-short-text',
    randomSeed: seed('random 1'),
    senderSeed: seed('sender tax'),
    deviceSeeds: [seed('device a')],
    senderId: 'tax-on-web',
    messageId: 'msg-0001',
    createdAt: 1_767_225_600_000,
    contentHex: toHex(utf8('Hello')),
  },
  {
    name: 'three-devices-1k-expiring',
    randomSeed: seed('random 2'),
    senderSeed: seed('sender health'),
    deviceSeeds: [seed('device a'), seed('device b'), seed('device c')],
    senderId: 'health-test-results',
    messageId: '0b7e4f5c-2d5e-4c1b-9a0f-3f1f4c6d8e21',
    createdAt: 1_767_225_600_123,
    expiresAt: 1_767_830_400_123,
    contentHex: pattern(1024),
  },
  {
    name: 'unicode-ids-empty-content',
    randomSeed: seed('random 3'),
    senderSeed: seed('sender fod'),
    deviceSeeds: [seed('device d'), seed('device e')],
    senderId: 'fod-financiën',
    messageId: 'bericht-✓-42',
    createdAt: 0,
    contentHex: '',
  },
];

export const FALLBACK_CASES: readonly FallbackVectorCase[] = [
  {
    name: 'sms-text',
    randomSeed: seed('random fallback 1'),
    senderSeed: seed('sender health'),
    channelSeed: seed('channel sms'),
    senderId: 'health-test-results',
    messageId: '0b7e4f5c-2d5e-4c1b-9a0f-3f1f4c6d8e21',
    text: 'Uw testresultaat is beschikbaar. Open de app.',
  },
  {
    name: 'email-text-unicode',
    randomSeed: seed('random fallback 2'),
    senderSeed: seed('sender fod'),
    channelSeed: seed('channel email'),
    senderId: 'fod-financiën',
    messageId: 'bericht-✓-42',
    text: 'Votre déclaration est prête — Ihre Erklärung ist fertig. 🇧🇪',
  },
];

export interface EnvelopeVector extends EnvelopeVectorCase {
  readonly senderPublicKey: string;
  readonly senderKeyId: string;
  readonly devices: readonly { publicKey: string; keyId: string }[];
  readonly envelopeHex: string;
}

export interface FallbackVector extends FallbackVectorCase {
  readonly senderPublicKey: string;
  readonly senderKeyId: string;
  readonly channelPublicKey: string;
  readonly channelKeyId: string;
  readonly sealedHex: string;
}

export interface VectorFile {
  readonly description: string;
  readonly envelopes: readonly EnvelopeVector[];
  readonly fallbackTexts: readonly FallbackVector[];
}

export function buildVectors(implementation: 'sodium-native' | 'tweetnacl'): VectorFile {
  const envelopes = ENVELOPE_CASES.map((c): EnvelopeVector => {
    const crypto = createDeterministicEnvelopeCrypto(implementation, fromHex(c.randomSeed));
    const sender = crypto.senderKeyPairFromSeed(fromHex(c.senderSeed));
    const devices = c.deviceSeeds.map((s) => crypto.deviceKeyPairFromSeed(fromHex(s)));
    const envelope = crypto.seal(
      {
        senderId: c.senderId,
        messageId: c.messageId,
        createdAt: c.createdAt,
        expiresAt: c.expiresAt,
        content: fromHex(c.contentHex),
        recipients: devices,
      },
      sender,
    );
    return {
      ...c,
      senderPublicKey: toHex(sender.publicKey),
      senderKeyId: sender.keyId,
      devices: devices.map((d) => ({ publicKey: toHex(d.publicKey), keyId: d.keyId })),
      envelopeHex: toHex(encodeEnvelope(envelope)),
    };
  });
  const fallbackTexts = FALLBACK_CASES.map((c): FallbackVector => {
    const crypto = createDeterministicEnvelopeCrypto(implementation, fromHex(c.randomSeed));
    const sender = crypto.senderKeyPairFromSeed(fromHex(c.senderSeed));
    const channel = crypto.deviceKeyPairFromSeed(fromHex(c.channelSeed));
    const sealed = crypto.sealFallbackText(
      { senderId: c.senderId, messageId: c.messageId, text: c.text },
      channel.publicKey,
      sender,
    );
    return {
      ...c,
      senderPublicKey: toHex(sender.publicKey),
      senderKeyId: sender.keyId,
      channelPublicKey: toHex(channel.publicKey),
      channelKeyId: channel.keyId,
      sealedHex: toHex(sealed),
    };
  });
  return {
    description:
      'Sealed-envelope and fallback-text vectors (wire version 1). Generated by `node tools/run-ts.cjs libs/crypto/src/test-vectors/cli.ts` through the deterministic seeding path (libs/crypto/src/testing.ts): random bytes = keyed BLAKE2b-512(key = randomSeed, 32-bit big-endian counter), drawn as content key, nonce, then one ephemeral X25519 secret per key wrap in key-id order. Key pairs from seeds as libsodium crypto_box_seed_keypair / crypto_sign_seed_keypair.',
    envelopes,
    fallbackTexts,
  };
}
