import type { SmsEncoding } from '../encoding/sms-encoding';

/** One SMS to hand to a provider. `to` and `text` are personal data: never log them. */
export interface SmsSubmission {
  /** Our id of the submission: the provider keeps it, so we can ask about it later. */
  clientReference: string;
  /** Originator (alphanumeric sender id or number). */
  from: string;
  /** E.164 destination. */
  to: string;
  text: string;
  encoding: SmsEncoding;
  segments: number;
}

export interface SubmitResult {
  providerMessageId: string;
}

/** A delivery report, normalized from whatever the provider sent. */
export interface DeliveryReport {
  providerId: string;
  providerMessageId: string;
  /** When the provider echoes it (HTTP gateway). */
  clientReference?: string;
  outcome: 'DELIVERED' | 'FAILED';
  /** Machine-readable reason for FAILED, e.g. `sms.operator.undeliverable.err-001`. */
  reason?: string;
  /** When the handset took it, or the operator gave up (epoch ms), if given. */
  doneAt?: number;
}

export type LookupResult = { found: true; providerMessageId: string } | { found: false };

/**
 * A provider behind the SMS channel. `submit` either resolves (accepted), or throws one of the
 * errors below, which say whether the provider may have taken the message.
 */
export interface SmsProvider {
  readonly id: string;
  /** `http` or `smpp`. */
  readonly kind: string;
  /** Connects (SMPP binds); reports from the provider go to `onReport`. */
  start(onReport: (report: DeliveryReport) => Promise<void>): Promise<void>;
  submit(sms: SmsSubmission): Promise<SubmitResult>;
  /**
   * Whether the provider took a message with this client reference. Undefined when the
   * provider cannot answer (plain SMPP 3.4): then an interrupted submission is never repeated.
   */
  lookup?(clientReference: string): Promise<LookupResult>;
  stop(): Promise<void>;
}

/** The provider refused the message for good (invalid number, barred): FAILED, no other provider. */
export class ProviderRejectedError extends Error {
  override readonly name = 'ProviderRejectedError';
  constructor(
    readonly providerId: string,
    /** Machine-readable, never personal data. */
    readonly reason: string,
  ) {
    super(`Provider ${providerId} rejected the message: ${reason}`);
  }
}

/** The provider did not take the message (down, overloaded, refused connection): try another. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
  constructor(
    readonly providerId: string,
    readonly detail: string,
  ) {
    super(`Provider ${providerId} is unavailable: ${detail}`);
  }
}

/**
 * No answer (timeout, connection lost after sending): the provider may or may not have taken
 * the message. Never resubmitted blindly: reconciliation asks the provider first.
 */
export class ProviderOutcomeUnknownError extends Error {
  override readonly name = 'ProviderOutcomeUnknownError';
  constructor(
    readonly providerId: string,
    readonly detail: string,
  ) {
    super(`Provider ${providerId} gave no answer: ${detail}`);
  }
}
