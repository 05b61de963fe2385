/**
 * Every error the SDK throws. Each says what was wrong and what to do, carries a stable `code`
 * and a `retriable` flag (whether sending the same thing again later can succeed). Messages
 * never contain a NISS, a phone number or content: they end up in logs.
 */
import type { InvalidIdentifierReason } from '@smis/pseudonym';
import type { Reachability } from './types';

export type SenderSdkErrorCode =
  | 'SENDER_CONFIG'
  | 'INVALID_RECIPIENT'
  | 'INVALID_SEND_REQUEST'
  | 'UNREACHABLE_RECIPIENT'
  | 'GATEWAY'
  | 'AUTHENTICATION'
  | 'RATE_LIMITED'
  | 'TRANSPORT'
  | 'INVALID_BROADCAST'
  | 'BROADCAST_NOT_FOUND'
  | 'BROADCAST_STATE';

export abstract class SenderSdkError extends Error {
  abstract readonly code: SenderSdkErrorCode;
  abstract readonly retriable: boolean;
  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** createSenderClient was given a configuration it cannot work with; `path` names the field. */
export class SenderConfigError extends SenderSdkError {
  readonly code = 'SENDER_CONFIG' as const;
  readonly retriable = false;
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`sender client config ${path}: ${detail}`);
  }
}

export type InvalidRecipientReason = InvalidIdentifierReason | 'empty' | 'ambiguous' | 'invalid-pseudonym';

const RECIPIENT_HINTS: Record<InvalidRecipientReason, string> = {
  'not-a-string': 'pass the identifier as a string',
  empty: 'pass a NISS ("niss:93051822361") or a phone number ("tel:+32470123456")',
  'too-long': 'identifiers are at most 64 characters: pass one NISS or one phone number',
  'unknown-scheme': 'prefix the identifier with "niss:" or "tel:"',
  ambiguous: 'prefix the identifier with "niss:" or "tel:" to say which it is',
  'niss-format':
    'a NISS has exactly 11 digits (separators . - and space are allowed); prefix a phone number with "tel:"',
  'niss-check-digits': 'the last two digits do not match the first nine: check the NISS for a typo',
  'niss-birth-date': 'the first six digits are not a possible birth date: check the NISS for a typo',
  'niss-sequence': 'digits 7-9 must be 001..998: check the NISS for a typo',
  'phone-format': 'a phone number may contain digits, spaces, "+", "(", ")", ".", "/" and "-" only',
  'phone-invalid':
    'not a valid phone number: write it in international form (+32...), or national Belgian form',
  'invalid-pseudonym': 'pass the value recipientOf() returned, unchanged',
};

/** The recipient is not a valid NISS, phone number or polymorphic pseudonym. */
export class InvalidRecipientError extends SenderSdkError {
  readonly code = 'INVALID_RECIPIENT' as const;
  readonly retriable = false;
  readonly hint: string;
  constructor(
    readonly reason: InvalidRecipientReason,
    options?: { cause?: unknown },
  ) {
    const hint = RECIPIENT_HINTS[reason];
    super(`invalid recipient (${reason}): ${hint}`, options);
    this.hint = hint;
  }
}

/** A send input the platform would refuse; `field` names it. */
export class InvalidSendRequestError extends SenderSdkError {
  readonly code = 'INVALID_SEND_REQUEST' as const;
  readonly retriable = false;
  constructor(
    readonly field: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid send request, ${field}: ${detail}`, options);
  }
}

/**
 * A broadcast input the platform would refuse; `field` names it. For an entry of a LIST audience
 * `field` is `audience.recipients[<index>]` and `index` its position in the list (0-based): the
 * message says why, never what the entry was.
 */
export class InvalidBroadcastError extends SenderSdkError {
  readonly code = 'INVALID_BROADCAST' as const;
  readonly retriable = false;
  readonly index?: number;
  constructor(
    readonly field: string,
    detail: string,
    options?: { cause?: unknown; index?: number },
  ) {
    super(`invalid broadcast, ${field}: ${detail}`, options);
    if (options?.index !== undefined) this.index = options.index;
  }
}

/** The citizen has no device and the message allows no SMS or e-mail fallback: nothing could deliver it. */
export class UnreachableRecipientError extends SenderSdkError {
  readonly code = 'UNREACHABLE_RECIPIENT' as const;
  readonly retriable = false;
  constructor(readonly reachability: Reachability) {
    super(
      'the citizen has no app device and the message allows no fallback: ' +
        'add smsText (and SMS in allowedChannels) or emailText, or tell the citizen another way',
    );
  }
}

/** RFC 9457 problem details, as the gateway answers errors. */
export interface ProblemDetails {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

/** The gateway answered with an error status. */
export class GatewayError extends SenderSdkError {
  readonly code: SenderSdkErrorCode = 'GATEWAY';
  readonly retriable: boolean;
  constructor(
    /** What the SDK was doing: `token`, `keys/lookup`, `messages`, `messages/{id}`. */
    readonly operation: string,
    readonly status: number,
    readonly problem: ProblemDetails | undefined,
    hint?: string,
  ) {
    const what = problem?.detail ?? problem?.title ?? `HTTP ${status}`;
    super(`gateway refused ${operation} (${status}): ${what}${hint ? `; ${hint}` : ''}`);
    this.retriable = status >= 500 || status === 408;
  }
}

/** The gateway did not accept the sender's credentials (client assertion or access token). */
export class AuthenticationError extends GatewayError {
  override readonly code = 'AUTHENTICATION' as const;
  override readonly retriable = false;
  constructor(operation: string, status: number, problem: ProblemDetails | undefined) {
    super(
      operation,
      status,
      problem,
      'check senderId, that signingKey is the key registered for it (keyId), and the machine clock (assertions live 60 s)',
    );
  }
}

/** The sender is over its rate or quota; send again after `retryAfterSeconds`. */
export class RateLimitedError extends GatewayError {
  override readonly code = 'RATE_LIMITED' as const;
  override readonly retriable = true;
  constructor(
    operation: string,
    problem: ProblemDetails | undefined,
    readonly retryAfterSeconds: number,
  ) {
    super(operation, 429, problem, `retry after ${retryAfterSeconds} s (sendBulk does this itself)`);
  }
}

/** The gateway or the brokers could not be reached, or answered something unreadable. */
export class TransportError extends SenderSdkError {
  readonly code = 'TRANSPORT' as const;
  constructor(
    readonly operation: string,
    detail: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed: ${detail}`, options);
  }
}

/**
 * The platform knows no broadcast with this id for this sender: a mistyped id, another sender's
 * broadcast, or one published so recently that the broadcast service has not taken it in yet.
 */
export class BroadcastNotFoundError extends GatewayError {
  override readonly code = 'BROADCAST_NOT_FOUND' as const;
  override readonly retriable = false;
  constructor(
    operation: string,
    readonly broadcastId: string,
    problem: ProblemDetails | undefined,
  ) {
    super(
      operation,
      404,
      problem,
      'check the id (the one broadcast() returned) and that this is the sender that published it; ' +
        'a broadcast published moments ago may not be taken in yet (watchBroadcast waits for it)',
    );
  }
}

/** The broadcast is in a state that does not allow this (a DONE, EXPIRED or REJECTED broadcast cannot be cancelled). */
export class BroadcastStateError extends GatewayError {
  override readonly code = 'BROADCAST_STATE' as const;
  override readonly retriable = false;
  constructor(
    operation: string,
    readonly broadcastId: string,
    problem: ProblemDetails | undefined,
  ) {
    super(
      operation,
      409,
      problem,
      'only a broadcast that is still receiving its list, scheduled or running can be cancelled',
    );
  }
}
