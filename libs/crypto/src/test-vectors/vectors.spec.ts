import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes';
import { implementations } from '../test-helpers';
import type { DeviceKeyPair } from '../types';
import { decodeEnvelope } from '../wire-format';
import { buildVectors, ENVELOPE_CASES, FALLBACK_CASES, type VectorFile } from './cases';

const committed = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'test-vectors', 'envelopes.json'), 'utf8'),
) as VectorFile;

describe('committed test vectors', () => {
  it('cover every case', () => {
    expect(committed.envelopes.map((v) => v.name)).toEqual(ENVELOPE_CASES.map((c) => c.name));
    expect(committed.fallbackTexts.map((v) => v.name)).toEqual(FALLBACK_CASES.map((c) => c.name));
  });

  it.each(['sodium-native', 'tweetnacl'] as const)('are reproduced byte for byte by %s', (implementation) => {
    expect(buildVectors(implementation)).toEqual(committed);
  });

  describe.each(implementations)('open with $implementation', (crypto) => {
    it.each(committed.envelopes)('envelope $name', (vector) => {
      const lookupSenderKey = (senderId: string, keyId: string) =>
        senderId === vector.senderId && keyId === vector.senderKeyId
          ? fromHex(vector.senderPublicKey)
          : undefined;
      const bytes = fromHex(vector.envelopeHex);
      expect(decodeEnvelope(bytes).wraps.map((w) => w.deviceKeyId)).toEqual(
        vector.devices.map((d) => d.keyId).sort(),
      );
      for (const seed of vector.deviceSeeds) {
        const device: DeviceKeyPair = crypto.deviceKeyPairFromSeed(fromHex(seed));
        const opened = crypto.open(bytes, device, { lookupSenderKey, now: vector.createdAt });
        expect(toHex(opened.content)).toBe(vector.contentHex);
        expect(opened.messageId).toBe(vector.messageId);
      }
    });

    it.each(committed.fallbackTexts)('fallback text $name', (vector) => {
      const channel = crypto.deviceKeyPairFromSeed(fromHex(vector.channelSeed));
      const lookup = (senderId: string, keyId: string) =>
        senderId === vector.senderId && keyId === vector.senderKeyId
          ? fromHex(vector.senderPublicKey)
          : undefined;
      expect(crypto.openFallbackText(fromHex(vector.sealedHex), channel, lookup).text).toBe(vector.text);
    });
  });
});
