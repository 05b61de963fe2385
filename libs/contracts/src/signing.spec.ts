import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAvroCodec } from './codec/avro-codec';
import { RecordValidationError } from './errors';
import type { MessageRequest } from './generated/records';
import { broadcastSigningInput, messageRequestSigningInput, SIGNING_LABELS } from './signing';
import { exampleRecords } from './testing/example-records';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const examples = exampleRecords();

function signed(request: MessageRequest): MessageRequest {
  return { ...request, signature: sign(null, messageRequestSigningInput(request), privateKey) };
}

describe('signing inputs', () => {
  it('starts with a label that separates record kinds, and ignores the signature field', () => {
    const input = messageRequestSigningInput(examples.MessageRequest);
    expect(input.subarray(0, SIGNING_LABELS.MessageRequest.length).toString()).toBe(
      SIGNING_LABELS.MessageRequest,
    );
    expect(
      messageRequestSigningInput({ ...examples.MessageRequest, signature: Buffer.alloc(64, 1) }),
    ).toEqual(input);
    expect(broadcastSigningInput(examples.Broadcast).toString('latin1')).toMatch(
      /^smis:broadcast:signature:v1\0/,
    );
  });

  it('verifies after a trip through Kafka encoding', async () => {
    const codec = createAvroCodec();
    const request = signed(examples.MessageRequest);
    const received = await codec.decode('MessageRequest', await codec.encode('MessageRequest', request));
    expect(verify(null, messageRequestSigningInput(received), publicKey, received.signature)).toBe(true);
  });

  it('covers every field: changing any one breaks the signature', () => {
    const request = signed(examples.MessageRequest);
    const changes: Partial<MessageRequest>[] = [
      { messageId: '0b6c5c0e-4bde-4a39-9d7e-59a3f1b6a002' },
      { expiresAt: request.expiresAt + 1 },
      { recipient: Buffer.alloc(64, 2) },
      { priority: 'URGENT' },
      { allowedChannels: ['APP', 'SMS', 'EMAIL'] },
      { smsFallback: null },
      { content: { ...request.content, totalSizeBytes: 1 } },
      { contentDigest: Buffer.alloc(32, 8) },
    ];
    for (const change of changes) {
      const tampered = { ...request, ...change };
      expect(verify(null, messageRequestSigningInput(tampered), publicKey, request.signature)).toBe(false);
    }
  });

  it('refuses a record that does not match the schema', () => {
    expect(() =>
      messageRequestSigningInput({ ...examples.MessageRequest, recipient: Buffer.alloc(3) }),
    ).toThrow(RecordValidationError);
  });
});
