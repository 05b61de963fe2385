/**
 * Every decoder that reads bytes from outside, fuzzed in one place: the Avro schema decoder (bus
 * records), the envelope opener (devices), the pseudonym parsers (transcryptor, domain decryptor,
 * identifiers) and the webhook signature verifier (senders). Each must end quickly with a value or
 * its own typed error: no crash, no hang, no stray TypeError/RangeError.
 * SMIS_RELIABILITY_FULL=1 runs ten times as many cases.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAvroCodec, isDecodeError, RECORD_NAMES } from '@smis/contracts';
import {
  createSodiumEnvelopeCrypto,
  encodeEnvelope,
  EnvelopeError,
  type DeviceKeyPair,
  type SenderKeyPair,
} from '@smis/crypto';
import { generateKeyring } from '@smis/keyring';
import {
  createDomainDecryptor,
  createTranscryptor,
  InvalidIdentifierError,
  InvalidPseudonymError,
  parseIdentifier,
  parseLocalPseudonym,
  WrongDomainError,
  type EncryptedPseudonym,
  type PolymorphicPseudonym,
} from '@smis/pseudonym';
import { signWebhook, verifyWebhookSignature } from '@smis/status';

const RUNS = process.env.SMIS_RELIABILITY_FULL === '1' ? 10_000 : 1_000;
const MAX_MS = 250;

/** Runs `decode`; passes when it returns, or throws an error `typed` accepts; always within MAX_MS. */
function endsTyped(decode: () => unknown, typed: (error: unknown) => boolean): void {
  const started = performance.now();
  try {
    decode();
  } catch (error) {
    if (!typed(error)) throw error;
  }
  expect(performance.now() - started).toBeLessThan(MAX_MS);
}

describe('decoder fuzzing (all four in one place)', () => {
  const codec = createAvroCodec();

  it('schema decoder: arbitrary bytes for every record type give a value or a typed decode error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...RECORD_NAMES),
        fc.uint8Array({ maxLength: 512 }),
        async (name, bytes) => {
          const started = performance.now();
          try {
            await codec.decode(name, Buffer.from(bytes));
          } catch (error) {
            if (!isDecodeError(error)) throw error;
          }
          expect(performance.now() - started).toBeLessThan(MAX_MS);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('schema decoder: a valid single-object header (C3 01 + a real fingerprint) then garbage', async () => {
    const valid = await codec.encode('DeliveryEvent', {
      eventId: randomUUID(),
      messageId: randomUUID(),
      senderId: 'fuzz',
      status: 'ACCEPTED',
      channel: null,
      reason: null,
      fromChannel: null,
      toChannel: null,
      deviceId: null,
      planId: null,
      attempt: null,
      occurredAt: Date.now(),
      producer: 'router',
    } as never);
    const header = valid.subarray(0, 10);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (body) => {
        try {
          await codec.decode('DeliveryEvent', Buffer.concat([header, Buffer.from(body)]));
        } catch (error) {
          if (!isDecodeError(error)) throw error;
        }
      }),
      { numRuns: RUNS },
    );
  });

  describe('envelope opener', () => {
    const crypto = createSodiumEnvelopeCrypto();
    const sender: SenderKeyPair = crypto.generateSenderKeyPair();
    const device: DeviceKeyPair = crypto.generateDeviceKeyPair();
    const lookupSenderKey = (senderId: string, keyId: string) =>
      senderId === 'fuzz' && keyId === sender.keyId ? sender.publicKey : undefined;
    const sealed = Buffer.from(
      encodeEnvelope(
        crypto.seal(
          {
            senderId: 'fuzz',
            messageId: randomUUID(),
            expiresAt: Date.now() + 3600_000,
            content: Buffer.from('fuzzed content'),
            recipients: [{ keyId: device.keyId, publicKey: device.publicKey }],
          },
          sender,
        ),
      ),
    );
    const typed = (error: unknown) => error instanceof EnvelopeError;

    it('opens the unmodified envelope (the property below can fail)', () => {
      const opened = crypto.open(sealed, device, { lookupSenderKey });
      expect(Buffer.from(opened.content).toString()).toBe('fuzzed content');
    });

    it('arbitrary bytes give only typed envelope errors', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) =>
          endsTyped(() => crypto.open(bytes, device, { lookupSenderKey }), typed),
        ),
        { numRuns: RUNS },
      );
    });

    it('a real envelope with bytes flipped, cut or extended gives only typed envelope errors', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 })), {
            maxLength: 8,
          }),
          fc.nat({ max: sealed.length }),
          fc.uint8Array({ maxLength: 64 }),
          (flips, cut, tail) => {
            const bytes = Buffer.from(sealed);
            for (const [at, xor] of flips) bytes[at] ^= xor;
            const mutated = Buffer.concat([bytes.subarray(0, cut), Buffer.from(tail)]);
            const changed = !mutated.equals(sealed);
            let threw = false;
            endsTyped(() => {
              try {
                crypto.open(mutated, device, { lookupSenderKey });
              } catch (error) {
                threw = true;
                throw error;
              }
            }, typed);
            // Any change is detected: the signature covers every byte that matters.
            if (changed) expect(threw).toBe(true);
          },
        ),
        { numRuns: RUNS },
      );
    });
  });

  describe('pseudonym parsers', () => {
    const keyring = generateKeyring();
    const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
    const appKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'app');
    if (!appKey) throw new Error('generated keyring without an app domain key');
    const decryptor = createDomainDecryptor(appKey);
    const typed = (error: unknown) =>
      error instanceof InvalidPseudonymError || error instanceof WrongDomainError;
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 96 }).map((b) => Buffer.from(b).toString('base64url')),
      fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64url')),
      fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
    );

    it('transcryptor: arbitrary text as a polymorphic pseudonym', () => {
      fc.assert(
        fc.property(text, (value) =>
          endsTyped(() => transcryptor.transcrypt(value as PolymorphicPseudonym, 'app'), typed),
        ),
        { numRuns: RUNS },
      );
    });

    it('domain decryptor and local-pseudonym parser: arbitrary text', () => {
      fc.assert(
        fc.property(text, (value) => {
          endsTyped(() => decryptor.decrypt(value as EncryptedPseudonym), typed);
          endsTyped(() => parseLocalPseudonym(value), typed);
        }),
        { numRuns: RUNS },
      );
    });

    it('identifier parser: arbitrary text gives an identifier or InvalidIdentifierError', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.string({ maxLength: 64 }), fc.stringMatching(/^(niss:|tel:\+?)?[0-9 .\-+()]{0,20}$/)),
          (value) =>
            endsTyped(
              () => parseIdentifier(value),
              (e) => e instanceof InvalidIdentifierError,
            ),
        ),
        { numRuns: RUNS },
      );
    });
  });

  describe('webhook verifier', () => {
    const secret = 'whsec-fuzz-0123456789abcdef';
    const body = '{"messageId":"m","status":"DELIVERED"}';
    const now = 1_800_000_000;
    const good = signWebhook(secret, body, now);

    it('accepts its own signature format (so the property below can tell)', () => {
      const verdict = verifyWebhookSignature(secret, { 'smis-signature': good }, body, { now });
      expect(verdict.valid).toBe(true);
    });

    it('arbitrary headers and bodies: a verdict, never a throw, never valid without the secret', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ maxLength: 300 }),
            fc
              .tuple(fc.string({ maxLength: 14 }), fc.stringMatching(/^[0-9a-f]{0,70}$/))
              .map(([t, s]) => `t=${t},v1=${s}`),
          ),
          fc.oneof(
            fc.string({ maxLength: 300 }),
            fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          ),
          (header, payload) => {
            const started = performance.now();
            const verdict = verifyWebhookSignature(secret, { 'smis-signature': header }, payload, { now });
            expect(verdict.valid).toBe(false);
            expect(performance.now() - started).toBeLessThan(MAX_MS);
          },
        ),
        { numRuns: RUNS },
      );
    });
  });
});
