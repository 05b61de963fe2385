import {
  AuthorizationError,
  ConnectionError,
  errorMessage,
  MessagingError,
  type MessagingErrorContext,
  ProduceError,
} from '../errors';

/** What a Kafka client error means to us, by the client's error name. */
const BY_NAME: Readonly<Record<string, 'connection' | 'authorization'>> = {
  KafkaJSConnectionError: 'connection',
  KafkaJSConnectionClosedError: 'connection',
  KafkaJSRequestTimeoutError: 'connection',
  KafkaJSBrokerNotFound: 'connection',
  KafkaJSNoBrokerAvailableError: 'connection',
  KafkaJSSASLAuthenticationError: 'authorization',
};

/** ... and by the protocol error type the broker returned. */
const BY_PROTOCOL_TYPE: Readonly<Record<string, 'authorization'>> = {
  TOPIC_AUTHORIZATION_FAILED: 'authorization',
  GROUP_AUTHORIZATION_FAILED: 'authorization',
  CLUSTER_AUTHORIZATION_FAILED: 'authorization',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'authorization',
  SASL_AUTHENTICATION_FAILED: 'authorization',
};

interface ClientError {
  name?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
  /** Aggregate errors (e.g. one per topic of a createTopics call). */
  errors?: unknown[];
}

/** The innermost cause: the client wraps the real failure in "retries exceeded" errors. */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10; depth++) {
    const next =
      (current as ClientError | undefined)?.cause ?? (current as ClientError | undefined)?.originalError;
    if (next === undefined || next === current) return current;
    current = next;
  }
  return current;
}

function kindOf(error: unknown): 'connection' | 'authorization' | undefined {
  const nested = (e: unknown): unknown[] => ((e as ClientError | undefined)?.errors ?? []).map(rootCause);
  for (const candidate of [error, rootCause(error), ...nested(error), ...nested(rootCause(error))]) {
    const e = candidate as ClientError | undefined;
    const kind = (e?.type && BY_PROTOCOL_TYPE[e.type]) || (e?.name && BY_NAME[e.name]);
    if (kind) return kind;
  }
  return undefined;
}

/** Whether the client considers the failure transient (looking through retry wrappers). */
function clientRetriable(error: unknown): boolean {
  const root = rootCause(error) as ClientError | undefined;
  return root?.retriable === true;
}

/** Turns a Kafka client error into one of ours; our own errors pass through unchanged. */
export function translateClientError(
  error: unknown,
  what: string,
  context: Omit<MessagingErrorContext, 'cause'> = {},
): MessagingError {
  if (error instanceof MessagingError) return error;
  const first = (error as ClientError | undefined)?.errors?.[0];
  const message = `${what}: ${errorMessage(rootCause(first ?? error))}`;
  switch (kindOf(error)) {
    case 'connection':
      return new ConnectionError(`${message} (is the broker reachable? check KAFKA_BROKERS)`, {
        ...context,
        cause: error,
      });
    case 'authorization':
      return new AuthorizationError(`${message} (check the SASL credentials and ACLs)`, {
        ...context,
        cause: error,
      });
    default:
      return new MessagingError(message, { ...context, cause: error });
  }
}

/** Like `translateClientError`, for a failed publish: keeps the client's retriable verdict. */
export function translateProduceError(error: unknown, topic: string): MessagingError {
  if (error instanceof MessagingError) return error;
  const kind = kindOf(error);
  if (kind) return translateClientError(error, `Could not publish to ${topic}`, { topic });
  return new ProduceError(`Could not publish to ${topic}: ${errorMessage(rootCause(error))}`, {
    topic,
    cause: error,
    retriable: clientRetriable(error),
  });
}

/**
 * Whether the broker refused with protocol error `type` (e.g. `OUT_OF_ORDER_SEQUENCE_NUMBER`),
 * looking through the client's retry wrappers and aggregate errors.
 */
export function hasProtocolErrorType(error: unknown, type: string): boolean {
  const seen = new Set<unknown>();
  const visit = (candidate: unknown, depth: number): boolean => {
    if (typeof candidate !== 'object' || candidate === null || depth > 10 || seen.has(candidate))
      return false;
    seen.add(candidate);
    const e = candidate as ClientError;
    if (e.type === type) return true;
    return [e.cause, e.originalError, ...(e.errors ?? [])].some((next) => visit(next, depth + 1));
  };
  return visit(error, 0);
}
