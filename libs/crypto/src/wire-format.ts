/**
 * Binary wire formats (version 1) of the sealed envelope and of the signed fallback text.
 * Integers are big-endian. Decoding is strict: exact lengths, canonical wrap order, no trailing
 * bytes, strict UTF-8; so every accepted byte string re-encodes to itself and the signature
 * covers exactly what was received. The full layout is documented in libs/crypto/README.md.
 */
import { bytesEqual, compareBytes, fromHex, fromUtf8, toHex, utf8 } from './bytes';
import { MalformedEnvelopeError } from './errors';
import type { KeyId, KeyWrap, SealedEnvelope, UnsignedEnvelope } from './types';

export const ENVELOPE_MAGIC = Uint8Array.of(0x53, 0x45); // "SE"
export const FALLBACK_TEXT_MAGIC = Uint8Array.of(0x53, 0x46); // "SF"
export const WIRE_VERSION = 1;
/** Signatures cover this ASCII context followed by every byte before the signature. */
export const ENVELOPE_SIGNATURE_CONTEXT = utf8('SMIS-SEALED-ENVELOPE-V1');
export const FALLBACK_TEXT_SIGNATURE_CONTEXT = utf8('SMIS-FALLBACK-TEXT-V1');

export const KEY_ID_BYTES = 8;
export const NONCE_BYTES = 24;
export const CONTENT_KEY_BYTES = 32;
export const MAC_BYTES = 16;
export const SEALED_BOX_OVERHEAD = 48; // ephemeral public key (32) + MAC (16)
export const SEALED_KEY_BYTES = CONTENT_KEY_BYTES + SEALED_BOX_OVERHEAD; // 80
export const SIGNATURE_BYTES = 64;
export const MAX_ID_BYTES = 255;
export const MAX_WRAPS = 255;
export const MAX_CONTENT_BYTES = 1024 * 1024;
export const MAX_FALLBACK_TEXT_BYTES = 64 * 1024;

const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

export function keyIdToBytes(keyId: KeyId): Uint8Array {
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new MalformedEnvelopeError(
      'bad-key-id',
      `key id must be 16 lowercase hex characters, got "${keyId}"`,
    );
  }
  return fromHex(keyId);
}

class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  offset = 0;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }
  raw(b: Uint8Array): void {
    this.bytes.set(b, this.offset);
    this.offset += b.length;
  }
  u8(n: number): void {
    this.bytes[this.offset++] = n;
  }
  u32(n: number): void {
    this.view.setUint32(this.offset, n);
    this.offset += 4;
  }
  u64(n: number): void {
    this.view.setUint32(this.offset, Math.floor(n / 0x100000000));
    this.view.setUint32(this.offset + 4, n >>> 0);
    this.offset += 8;
  }
  shortBytes(b: Uint8Array): void {
    this.u8(b.length);
    this.raw(b);
  }
}

class Reader {
  private readonly view: DataView;
  offset = 0;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  take(n: number, what: string): Uint8Array {
    if (this.offset + n > this.bytes.length) {
      throw new MalformedEnvelopeError(
        'truncated',
        `${what} needs ${n} bytes at offset ${this.offset}, ${this.bytes.length - this.offset} left`,
        this.offset,
      );
    }
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  u8(what: string): number {
    return this.take(1, what)[0];
  }
  u32(what: string): number {
    const at = this.offset;
    this.take(4, what);
    return this.view.getUint32(at);
  }
  u64(what: string): number {
    const at = this.offset;
    this.take(8, what);
    const hi = this.view.getUint32(at);
    const lo = this.view.getUint32(at + 4);
    if (hi > 0x1fffff) throw new MalformedEnvelopeError('bad-timestamp', `${what} exceeds 2^53-1`, at);
    return hi * 0x100000000 + lo;
  }
  utf8Id(what: string): string {
    const at = this.offset;
    const length = this.u8(`${what} length`);
    if (length === 0) throw new MalformedEnvelopeError('empty-id', `${what} is empty`, at);
    const raw = this.take(length, what);
    try {
      return fromUtf8(raw);
    } catch {
      throw new MalformedEnvelopeError('bad-utf8', `${what} is not valid UTF-8`, at + 1);
    }
  }
  end(): void {
    if (this.offset !== this.bytes.length) {
      throw new MalformedEnvelopeError(
        'trailing-bytes',
        `${this.bytes.length - this.offset} bytes after the signature`,
        this.offset,
      );
    }
  }
}

function idBytes(id: string, what: string): Uint8Array {
  const b = utf8(id);
  if (b.length < 1 || b.length > MAX_ID_BYTES) {
    throw new MalformedEnvelopeError(
      'bad-id-length',
      `${what} must be 1..${MAX_ID_BYTES} UTF-8 bytes, got ${b.length}`,
    );
  }
  return b;
}

function checkTimestamp(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MalformedEnvelopeError(
      'bad-timestamp',
      `${what} must be a non-negative integer of milliseconds, got ${value}`,
    );
  }
}

function checkExpiry(createdAt: number, expiresAt: number | undefined): void {
  if (expiresAt === undefined) return;
  checkTimestamp(expiresAt, 'expiresAt');
  if (expiresAt <= createdAt)
    throw new MalformedEnvelopeError(
      'bad-expiry',
      `expiresAt (${expiresAt}) must be after createdAt (${createdAt})`,
    );
}

function checkLength(b: Uint8Array, length: number, what: string): void {
  if (b.length !== length)
    throw new MalformedEnvelopeError('bad-length', `${what} must be ${length} bytes, got ${b.length}`);
}

/** Puts wraps in canonical order (ascending key id) and rejects duplicates. */
export function canonicalWraps(wraps: readonly KeyWrap[]): KeyWrap[] {
  const sorted = [...wraps].sort((a, b) =>
    a.deviceKeyId < b.deviceKeyId ? -1 : a.deviceKeyId > b.deviceKeyId ? 1 : 0,
  );
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].deviceKeyId === sorted[i - 1].deviceKeyId) {
      throw new MalformedEnvelopeError(
        'duplicate-wrap',
        `two key wraps for device key ${sorted[i].deviceKeyId}`,
      );
    }
  }
  return sorted;
}

/**
 * Writes the envelope. With `signature` omitted the last 64 bytes stay zero and the result is
 * what `seal` signs (see `envelopeSignedRange`). Wraps must already be in canonical order.
 */
function writeEnvelope(
  env: UnsignedEnvelope,
  signature: Uint8Array | undefined,
  withContext: boolean,
): Uint8Array {
  const sender = idBytes(env.senderId, 'senderId');
  const message = idBytes(env.messageId, 'messageId');
  const senderKeyId = keyIdToBytes(env.senderKeyId);
  checkTimestamp(env.createdAt, 'createdAt');
  checkExpiry(env.createdAt, env.expiresAt);
  checkLength(env.nonce, NONCE_BYTES, 'nonce');
  if (env.ciphertext.length < MAC_BYTES || env.ciphertext.length > MAX_CONTENT_BYTES + MAC_BYTES) {
    throw new MalformedEnvelopeError(
      'bad-ciphertext-length',
      `ciphertext must be ${MAC_BYTES}..${MAX_CONTENT_BYTES + MAC_BYTES} bytes, got ${env.ciphertext.length}`,
    );
  }
  if (env.wraps.length < 1 || env.wraps.length > MAX_WRAPS) {
    throw new MalformedEnvelopeError(
      'bad-wrap-count',
      `an envelope needs 1..${MAX_WRAPS} key wraps, got ${env.wraps.length}`,
    );
  }
  const context = withContext ? ENVELOPE_SIGNATURE_CONTEXT.length : 0;
  const length =
    context +
    3 +
    1 +
    sender.length +
    KEY_ID_BYTES +
    1 +
    message.length +
    8 +
    8 +
    NONCE_BYTES +
    4 +
    env.ciphertext.length +
    1 +
    env.wraps.length * (KEY_ID_BYTES + SEALED_KEY_BYTES) +
    SIGNATURE_BYTES;
  const w = new Writer(length);
  if (withContext) w.raw(ENVELOPE_SIGNATURE_CONTEXT);
  w.raw(ENVELOPE_MAGIC);
  w.u8(WIRE_VERSION);
  w.shortBytes(sender);
  w.raw(senderKeyId);
  w.shortBytes(message);
  w.u64(env.createdAt);
  w.u64(env.expiresAt ?? 0);
  w.raw(env.nonce);
  w.u32(env.ciphertext.length);
  w.raw(env.ciphertext);
  w.u8(env.wraps.length);
  let previous: string | undefined;
  for (const wrap of env.wraps) {
    if (previous !== undefined && wrap.deviceKeyId <= previous) {
      throw new MalformedEnvelopeError(
        'wraps-not-sorted',
        'key wraps must be sorted by device key id, without duplicates',
      );
    }
    previous = wrap.deviceKeyId;
    checkLength(wrap.sealedKey, SEALED_KEY_BYTES, 'sealed key');
    w.raw(keyIdToBytes(wrap.deviceKeyId));
    w.raw(wrap.sealedKey);
  }
  if (signature) {
    checkLength(signature, SIGNATURE_BYTES, 'signature');
    w.raw(signature);
  }
  return w.bytes;
}

/**
 * The exact message the sender signs: context || all envelope bytes before the signature.
 * Returned as a buffer with 64 spare bytes at the end; sign `subarray(0, length - 64)`.
 */
export function envelopeSigningBuffer(env: UnsignedEnvelope): Uint8Array {
  return writeEnvelope(env, undefined, true);
}

export function envelopeSignedMessage(env: UnsignedEnvelope): Uint8Array {
  const buffer = envelopeSigningBuffer(env);
  return buffer.subarray(0, buffer.length - SIGNATURE_BYTES);
}

export function encodeEnvelope(env: SealedEnvelope): Uint8Array {
  return writeEnvelope(env, env.signature, false);
}

/** Strict decode; throws MalformedEnvelopeError with a reason and byte offset. */
export function decodeEnvelope(bytes: Uint8Array): SealedEnvelope {
  const r = new Reader(bytes);
  if (!bytesEqual(r.take(2, 'magic'), ENVELOPE_MAGIC))
    throw new MalformedEnvelopeError('bad-magic', 'not a sealed envelope (magic "SE" missing)', 0);
  const version = r.u8('version');
  if (version !== WIRE_VERSION)
    throw new MalformedEnvelopeError(
      'unsupported-version',
      `version ${version} is not supported (this code reads version ${WIRE_VERSION})`,
      2,
    );
  const senderId = r.utf8Id('senderId');
  const senderKeyId = toHex(r.take(KEY_ID_BYTES, 'senderKeyId'));
  const messageId = r.utf8Id('messageId');
  const createdAt = r.u64('createdAt');
  const expiresAtRaw = r.u64('expiresAt');
  const expiresAt = expiresAtRaw === 0 ? undefined : expiresAtRaw;
  checkExpiry(createdAt, expiresAt);
  const nonce = r.take(NONCE_BYTES, 'nonce').slice();
  const ciphertextAt = r.offset;
  const ciphertextLength = r.u32('ciphertext length');
  if (ciphertextLength < MAC_BYTES || ciphertextLength > MAX_CONTENT_BYTES + MAC_BYTES) {
    throw new MalformedEnvelopeError(
      'bad-ciphertext-length',
      `ciphertext length ${ciphertextLength} outside ${MAC_BYTES}..${MAX_CONTENT_BYTES + MAC_BYTES}`,
      ciphertextAt,
    );
  }
  const ciphertext = r.take(ciphertextLength, 'ciphertext').slice();
  const wrapsAt = r.offset;
  const wrapCount = r.u8('wrap count');
  if (wrapCount === 0)
    throw new MalformedEnvelopeError('bad-wrap-count', 'an envelope needs at least one key wrap', wrapsAt);
  const wraps: KeyWrap[] = [];
  let previous: Uint8Array | undefined;
  for (let i = 0; i < wrapCount; i++) {
    const at = r.offset;
    const id = r.take(KEY_ID_BYTES, `key wrap ${i} id`);
    if (previous && compareBytes(previous, id) >= 0) {
      throw new MalformedEnvelopeError(
        'wraps-not-sorted',
        'key wraps must be sorted by device key id, without duplicates',
        at,
      );
    }
    previous = id;
    wraps.push({ deviceKeyId: toHex(id), sealedKey: r.take(SEALED_KEY_BYTES, `key wrap ${i}`).slice() });
  }
  const signature = r.take(SIGNATURE_BYTES, 'signature').slice();
  r.end();
  return {
    version: 1,
    senderId,
    senderKeyId,
    messageId,
    createdAt,
    expiresAt,
    nonce,
    ciphertext,
    wraps,
    signature,
  };
}

/** The plaintext inside a sealed fallback text: who sent it, for which message, and its signature. */
export interface SignedFallbackText {
  readonly senderId: string;
  readonly senderKeyId: KeyId;
  readonly messageId: string;
  readonly text: string;
  readonly signature: Uint8Array;
}

function writeFallbackText(
  t: Omit<SignedFallbackText, 'signature'>,
  signature: Uint8Array | undefined,
  withContext: boolean,
): Uint8Array {
  const sender = idBytes(t.senderId, 'senderId');
  const message = idBytes(t.messageId, 'messageId');
  const text = utf8(t.text);
  if (text.length > MAX_FALLBACK_TEXT_BYTES) {
    throw new MalformedEnvelopeError(
      'bad-text-length',
      `fallback text must be at most ${MAX_FALLBACK_TEXT_BYTES} UTF-8 bytes, got ${text.length}`,
    );
  }
  const context = withContext ? FALLBACK_TEXT_SIGNATURE_CONTEXT.length : 0;
  const w = new Writer(
    context + 3 + 1 + sender.length + KEY_ID_BYTES + 1 + message.length + 4 + text.length + SIGNATURE_BYTES,
  );
  if (withContext) w.raw(FALLBACK_TEXT_SIGNATURE_CONTEXT);
  w.raw(FALLBACK_TEXT_MAGIC);
  w.u8(WIRE_VERSION);
  w.shortBytes(sender);
  w.raw(keyIdToBytes(t.senderKeyId));
  w.shortBytes(message);
  w.u32(text.length);
  w.raw(text);
  if (signature) {
    checkLength(signature, SIGNATURE_BYTES, 'signature');
    w.raw(signature);
  }
  return w.bytes;
}

export function fallbackTextSignedMessage(t: Omit<SignedFallbackText, 'signature'>): Uint8Array {
  const buffer = writeFallbackText(t, undefined, true);
  return buffer.subarray(0, buffer.length - SIGNATURE_BYTES);
}

export function encodeFallbackText(t: SignedFallbackText): Uint8Array {
  return writeFallbackText(t, t.signature, false);
}

export function decodeFallbackText(bytes: Uint8Array): SignedFallbackText {
  const r = new Reader(bytes);
  if (!bytesEqual(r.take(2, 'magic'), FALLBACK_TEXT_MAGIC))
    throw new MalformedEnvelopeError('bad-magic', 'not a fallback text (magic "SF" missing)', 0);
  const version = r.u8('version');
  if (version !== WIRE_VERSION)
    throw new MalformedEnvelopeError(
      'unsupported-version',
      `version ${version} is not supported (this code reads version ${WIRE_VERSION})`,
      2,
    );
  const senderId = r.utf8Id('senderId');
  const senderKeyId = toHex(r.take(KEY_ID_BYTES, 'senderKeyId'));
  const messageId = r.utf8Id('messageId');
  const textAt = r.offset;
  const textLength = r.u32('text length');
  if (textLength > MAX_FALLBACK_TEXT_BYTES)
    throw new MalformedEnvelopeError(
      'bad-text-length',
      `text length ${textLength} exceeds ${MAX_FALLBACK_TEXT_BYTES}`,
      textAt,
    );
  let text: string;
  try {
    text = fromUtf8(r.take(textLength, 'text'));
  } catch (e) {
    if (e instanceof MalformedEnvelopeError) throw e;
    throw new MalformedEnvelopeError('bad-utf8', 'text is not valid UTF-8', textAt + 4);
  }
  const signature = r.take(SIGNATURE_BYTES, 'signature').slice();
  r.end();
  return { senderId, senderKeyId, messageId, text, signature };
}
