/**
 * Every way opening (or decoding) an envelope or a fallback text can fail. One base class, one
 * subclass per case, each with a stable `code` that services can log, count and map to statuses.
 * None of them is retriable: the same bytes fail the same way.
 */

export type EnvelopeErrorCode =
  | 'MALFORMED_ENVELOPE'
  | 'UNKNOWN_SENDER_KEY'
  | 'BAD_SIGNATURE'
  | 'ENVELOPE_EXPIRED'
  | 'NOT_ADDRESSED_TO_DEVICE'
  | 'TAMPERED_CIPHERTEXT';

export interface EnvelopeErrorContext {
  readonly messageId?: string;
  readonly senderId?: string;
  readonly keyId?: string;
}

export abstract class EnvelopeError extends Error {
  abstract readonly code: EnvelopeErrorCode;
  readonly retriable = false;
  readonly messageId?: string;
  readonly senderId?: string;
  readonly keyId?: string;

  protected constructor(message: string, context: EnvelopeErrorContext = {}) {
    super(message);
    this.name = new.target.name;
    this.messageId = context.messageId;
    this.senderId = context.senderId;
    this.keyId = context.keyId;
  }
}

/** The bytes are not a valid envelope (or fallback text) of a version this code understands. */
export class MalformedEnvelopeError extends EnvelopeError {
  readonly code = 'MALFORMED_ENVELOPE' as const;
  constructor(
    /** What was wrong, e.g. `truncated`, `unsupported-version`, `wraps-not-sorted`. */
    readonly reason: string,
    message: string,
    /** Byte offset at which decoding stopped, when known. */
    readonly offset?: number,
  ) {
    super(`malformed envelope (${reason}): ${message}`);
  }
}

/** The sender directory has no public key for (senderId, keyId): unknown sender or revoked key. */
export class UnknownSenderKeyError extends EnvelopeError {
  readonly code = 'UNKNOWN_SENDER_KEY' as const;
  constructor(context: EnvelopeErrorContext) {
    super(
      `no published key ${context.keyId} for sender ${context.senderId}: refresh the sender directory or reject the message`,
      context,
    );
  }
}

/** The Ed25519 signature does not verify against the sender's published key. */
export class BadSignatureError extends EnvelopeError {
  readonly code = 'BAD_SIGNATURE' as const;
  constructor(context: EnvelopeErrorContext) {
    super(
      `signature of sender ${context.senderId} (key ${context.keyId}) does not verify: the envelope was altered or forged`,
      context,
    );
  }
}

export class EnvelopeExpiredError extends EnvelopeError {
  readonly code = 'ENVELOPE_EXPIRED' as const;
  constructor(
    readonly expiresAt: number,
    readonly now: number,
    context: EnvelopeErrorContext,
  ) {
    super(`message ${context.messageId} expired at ${new Date(expiresAt).toISOString()}`, context);
  }
}

/** No key wrap for this device's key id: the message was sealed for other devices. */
export class NotAddressedToDeviceError extends EnvelopeError {
  readonly code = 'NOT_ADDRESSED_TO_DEVICE' as const;
  constructor(context: EnvelopeErrorContext) {
    super(`message ${context.messageId} has no key wrap for device key ${context.keyId}`, context);
  }
}

/** A box failed to authenticate: the key wrap, the content or a fallback text does not open. */
export class TamperedCiphertextError extends EnvelopeError {
  readonly code = 'TAMPERED_CIPHERTEXT' as const;
  constructor(
    readonly part: 'key-wrap' | 'content' | 'fallback-text',
    detail: string,
    context: EnvelopeErrorContext = {},
  ) {
    super(`${part} does not open: ${detail}`, context);
  }
}
