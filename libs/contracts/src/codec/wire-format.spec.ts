import { describe, expect, it } from 'vitest';
import { MalformedRecordError } from '../errors';
import { decodeFrame } from './decode';
import { encodeConfluent, encodeSingleObject } from './encode';

const fingerprint = Buffer.from('0102030405060708', 'hex');
const body = Buffer.from([0x02, 0x61]);

function malformed(message: Buffer): MalformedRecordError {
  try {
    decodeFrame(message, 'MessageRequest');
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedRecordError);
    return error as MalformedRecordError;
  }
  throw new Error('decodeFrame accepted a malformed frame');
}

describe('wire format', () => {
  it('frames a single-object record as C3 01, the 8-byte fingerprint, the body', () => {
    const message = encodeSingleObject(fingerprint, body);
    expect(message.toString('hex')).toBe('c30101020304050607080261');
    expect(decodeFrame(message, 'MessageRequest')).toEqual({ format: 'single-object', fingerprint, body });
  });

  it('frames a Confluent record as 00, the big-endian schema id, the body', () => {
    const message = encodeConfluent(0x01020304, body);
    expect(message.toString('hex')).toBe('00010203040261');
    expect(decodeFrame(message, 'MessageRequest')).toEqual({
      format: 'confluent',
      schemaId: 0x01020304,
      body,
    });
  });

  it('refuses a fingerprint that is not 8 bytes and a schema id that is not an unsigned 32-bit integer', () => {
    expect(() => encodeSingleObject(Buffer.alloc(7), body)).toThrow(/8 bytes, got 7/);
    expect(() => encodeConfluent(-1, body)).toThrow(/unsigned 32-bit/);
    expect(() => encodeConfluent(2 ** 32, body)).toThrow(/unsigned 32-bit/);
    expect(() => encodeConfluent(1.5, body)).toThrow(/unsigned 32-bit/);
  });

  it.each([
    ['an empty record', '', 'truncated-header', /empty/],
    ['an unknown magic byte', '7b22', 'bad-magic', /starts with 0x7b22/],
    ['C3 not followed by 01', 'c302', 'bad-magic', /expected 0xc301/],
    ['a lone C3', 'c3', 'bad-magic', /starts with 0xc3/],
    ['a single-object header cut short', 'c301010203', 'truncated-header', /10 bytes, the record has 5/],
    ['a Confluent header cut short', '000102', 'truncated-header', /5 bytes, the record has 3/],
  ])('rejects %s as MalformedRecordError', (_, hex, reason, message) => {
    const error = malformed(Buffer.from(hex, 'hex'));
    expect(error.reason).toBe(reason);
    expect(error.retriable).toBe(false);
    expect(error.record).toBe('MessageRequest');
    expect(error.message).toMatch(message);
  });
});
