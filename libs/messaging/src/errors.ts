/**
 * Every error the messaging seam throws, in one place. Each has a stable `name`, a `retriable`
 * flag that decides retry versus give-up, and the Kafka coordinates it concerns when known.
 */

export interface MessagingErrorContext {
  topic?: string;
  partition?: number;
  /** Kafka offsets are 64-bit; they travel as decimal strings. */
  offset?: string;
  cause?: unknown;
}

export class MessagingError extends Error {
  override readonly name: string = 'MessagingError';
  readonly retriable: boolean = false;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;

  constructor(message: string, context: MessagingErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.topic = context.topic;
    this.partition = context.partition;
    this.offset = context.offset;
  }
}

/** A transient failure: the same work may succeed later (a dependency was down, a timeout). */
export class RetriableError extends MessagingError {
  override readonly name: string = 'RetriableError';
  override readonly retriable: boolean = true;
}

/**
 * A heartbeat found this member out of its group (a rebalance): the records in hand now belong
 * to another member. Never a record's fault: nothing is dead-lettered, the record is redelivered.
 */
export class MembershipLostError extends RetriableError {
  override readonly name: string = 'MembershipLostError';
}

/** A failure that will not go away by trying again (invalid content, a rule the record breaks). */
export class NonRetriableError extends MessagingError {
  override readonly name: string = 'NonRetriableError';
}

/** The bytes of a record could not be turned into the expected message. */
export class DecodeError extends NonRetriableError {
  override readonly name: string = 'DecodeError';
}

/** A setting is missing or wrong; the process should not start. */
export class ConfigurationError extends NonRetriableError {
  override readonly name: string = 'ConfigurationError';
}

/** No broker answered (refused, timed out, closed). Usually transient. */
export class ConnectionError extends RetriableError {
  override readonly name: string = 'ConnectionError';
}

/** The broker refused the credentials (SASL) or the operation (ACL). Retrying will not help. */
export class AuthorizationError extends NonRetriableError {
  override readonly name: string = 'AuthorizationError';
}

/** Publishing records failed; `retriable` follows the underlying client error. */
export class ProduceError extends MessagingError {
  override readonly name: string = 'ProduceError';
  override readonly retriable: boolean;

  constructor(message: string, context: MessagingErrorContext & { retriable: boolean }) {
    super(message, context);
    this.retriable = context.retriable;
  }
}

/** `withRetry` gave up: `cause` holds the last failure. */
export class RetriesExhaustedError extends NonRetriableError {
  override readonly name: string = 'RetriesExhaustedError';
  readonly attempts: number;

  constructor(message: string, context: MessagingErrorContext & { attempts: number }) {
    super(message, context);
    this.attempts = context.attempts;
  }
}

/**
 * Thrown by a batch handler to say which record failed: the records before it count as
 * processed, this one follows the failure policy with `cause`, the rest are handled again.
 */
export class BatchRecordError extends MessagingError {
  override readonly name: string = 'BatchRecordError';

  constructor(
    readonly record: { topic: string; partition: number; offset: string },
    cause: unknown,
  ) {
    super(
      `Batch handler failed on ${record.topic}[${record.partition}]@${record.offset}: ${describeError(cause)}`,
      {
        ...record,
        cause,
      },
    );
  }
}

/** Errors that signal a bug in the code, not in the data or the environment. */
const PROGRAMMER_ERRORS: ReadonlyArray<new (...args: never[]) => Error> = [
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
];

export function isProgrammerError(error: unknown): boolean {
  return PROGRAMMER_ERRORS.some((type) => error instanceof type);
}

/**
 * Whether trying the same work again may succeed. Only errors that say so (`retriable: true`)
 * are retried; programmer errors never are, whatever they claim.
 */
export function isRetriable(error: unknown): boolean {
  if (isProgrammerError(error)) return false;
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** `Name: message` for any thrown value, for logs and headers. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-error thrown: ${String(error)}`;
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
