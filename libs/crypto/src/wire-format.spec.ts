import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './bytes';
import { EnvelopeError, MalformedEnvelopeError } from './errors';
import type { SealedEnvelope } from './types';
import { decodeEnvelope, decodeFallbackText, encodeEnvelope } from './wire-format';

const wrap = (id: string) => ({ deviceKeyId: id, sealedKey: new Uint8Array(80).fill(0xaa) });
const base: SealedEnvelope = {
  version: 1,
  senderId: 'tax-on-web',
  senderKeyId: '0123456789abcdef',
  messageId: 'm-1',
  createdAt: 1_700_000_000_000,
  expiresAt: 1_700_000_600_000,
  nonce: new Uint8Array(24).fill(1),
  ciphertext: new Uint8Array(16 + 5).fill(2),
  wraps: [wrap('00000000000000ff'), wrap('0100000000000000')],
  signature: new Uint8Array(64).fill(3),
};

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof MalformedEnvelopeError) return e.reason;
    throw e;
  }
  return 'no error';
}

describe('envelope wire format v1', () => {
  it('has the documented layout', () => {
    const bytes = encodeEnvelope(base);
    const hex = toHex(bytes);
    expect(hex.startsWith('534501')).toBe(true); // "SE", version 1
    expect(hex.slice(6, 8)).toBe('0a'); // senderId length
    expect(bytes.length).toBe(3 + 1 + 10 + 8 + 1 + 3 + 8 + 8 + 24 + 4 + 21 + 1 + 2 * 88 + 64);
    expect(hex.slice(-128)).toBe('03'.repeat(64)); // signature last
  });

  it('round-trips, with and without expiry', () => {
    expect(decodeEnvelope(encodeEnvelope(base))).toEqual(base);
    const noExpiry = { ...base, expiresAt: undefined };
    expect(decodeEnvelope(encodeEnvelope(noExpiry))).toEqual(noExpiry);
  });

  it('rejects every truncation and any trailing byte', () => {
    const bytes = encodeEnvelope(base);
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeEnvelope(bytes.subarray(0, n))).toThrow(MalformedEnvelopeError);
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(reasonOf(() => decodeEnvelope(longer))).toBe('trailing-bytes');
  });

  it('names what is wrong', () => {
    const bytes = encodeEnvelope(base);
    const mutate = (at: number, value: number) => {
      const copy = bytes.slice();
      copy[at] = value;
      return copy;
    };
    expect(reasonOf(() => decodeEnvelope(mutate(0, 0x00)))).toBe('bad-magic');
    expect(reasonOf(() => decodeEnvelope(mutate(2, 2)))).toBe('unsupported-version');
    expect(reasonOf(() => decodeEnvelope(mutate(3, 0)))).toBe('empty-id');
    expect(reasonOf(() => decodeEnvelope(mutate(4, 0xff)))).toBe('bad-utf8');
    const createdAtOffset = 3 + 1 + 10 + 8 + 1 + 3;
    expect(reasonOf(() => decodeEnvelope(mutate(createdAtOffset, 0xff)))).toBe('bad-timestamp');
    expect(reasonOf(() => decodeEnvelope(mutate(createdAtOffset + 12, 0x00)))).toBe('bad-expiry'); // expiresAt < createdAt
    const lengthOffset = createdAtOffset + 16 + 24;
    expect(reasonOf(() => decodeEnvelope(mutate(lengthOffset + 3, 15)))).toBe('bad-ciphertext-length');
    const wrapCountOffset = lengthOffset + 4 + 21;
    expect(reasonOf(() => decodeEnvelope(mutate(wrapCountOffset, 0)))).toBe('bad-wrap-count');
    expect(reasonOf(() => decodeEnvelope(mutate(wrapCountOffset + 1, 0x02)))).toBe('wraps-not-sorted');
  });

  it('encodes only canonical envelopes', () => {
    expect(reasonOf(() => encodeEnvelope({ ...base, wraps: [...base.wraps].reverse() }))).toBe(
      'wraps-not-sorted',
    );
    expect(
      reasonOf(() =>
        encodeEnvelope({ ...base, wraps: [wrap('00000000000000ff'), wrap('00000000000000ff')] }),
      ),
    ).toBe('wraps-not-sorted');
    expect(reasonOf(() => encodeEnvelope({ ...base, wraps: [] }))).toBe('bad-wrap-count');
    expect(reasonOf(() => encodeEnvelope({ ...base, senderKeyId: 'ABCDEF0123456789' }))).toBe('bad-key-id');
    expect(reasonOf(() => encodeEnvelope({ ...base, nonce: new Uint8Array(12) }))).toBe('bad-length');
    expect(reasonOf(() => encodeEnvelope({ ...base, createdAt: -1 }))).toBe('bad-timestamp');
    expect(reasonOf(() => encodeEnvelope({ ...base, expiresAt: base.createdAt }))).toBe('bad-expiry');
    expect(reasonOf(() => encodeEnvelope({ ...base, ciphertext: new Uint8Array(3) }))).toBe(
      'bad-ciphertext-length',
    );
  });

  it('keeps a leading byte-order mark in ids, so decoding is canonical', () => {
    const bom = { ...base, senderId: '\uFEFFtax' };
    expect(decodeEnvelope(encodeEnvelope(bom)).senderId).toBe('\uFEFFtax');
  });

  it('property: any input either decodes to an envelope that re-encodes to the same bytes, or throws MalformedEnvelopeError', () => {
    const valid = encodeEnvelope(base);
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      // single-byte mutations and cuts of a valid envelope reach the deeper branches
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
        const copy = valid.slice();
        copy[i] = v;
        return copy;
      }),
      fc.nat(valid.length).map((n) => valid.slice(0, n)),
    );
    fc.assert(
      fc.property(inputs, (bytes) => {
        let decoded: SealedEnvelope;
        try {
          decoded = decodeEnvelope(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedEnvelopeError);
          return;
        }
        expect(encodeEnvelope(decoded)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: fallback-text decoding throws only MalformedEnvelopeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const prefixed = fromHex('534601' + toHex(bytes));
        for (const input of [bytes, prefixed]) {
          try {
            decodeFallbackText(input);
          } catch (e) {
            expect(e).toBeInstanceOf(EnvelopeError);
            expect(e).toBeInstanceOf(MalformedEnvelopeError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
