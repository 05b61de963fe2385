import { isRetriable, MessagingError, RetriableError } from '@smis/messaging';
import { QueryFailedError } from 'typeorm';

/** Database trouble (a lost connection, a conflict with another instance) is worth retrying. */
export function retriableIfTransient(error: unknown): unknown {
  if (isRetriable(error) || error instanceof MessagingError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const transient =
    error instanceof QueryFailedError ||
    (typeof code === 'string' && /^(E[A-Z]+|57P|08|40)/.test(code)) ||
    (error instanceof Error && /Connection terminated|timeout/i.test(error.message));
  return transient
    ? new RetriableError(`transient failure: ${(error as Error).message}`, { cause: error })
    : error;
}
