import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigurationError } from '../errors';
import type { LogLevel, MessagingLogger } from '../logger';
import type { BackoffPolicy } from '../retry/backoff';

/** SASL/SCRAM-SHA-512 credentials, as issued per service (Strimzi `KafkaUser`). */
export interface ScramCredentials {
  mechanism?: 'scram-sha-512';
  username: string;
  password: string;
}

/** Where the brokers are and how to reach them. */
export interface KafkaConnection {
  /** Bootstrap servers, `host:port` each. */
  brokers: string[];
  /** Names this process in broker logs, quotas and ACL audit. */
  clientId: string;
  sasl?: ScramCredentials;
  /** `true` for TLS with the system CAs, or Node TLS options (ca, cert, key, servername...). */
  ssl?: boolean | TlsOptions;
  /** Where the seam and the Kafka client log (default: JSON lines on stderr, warn and up). */
  logger?: MessagingLogger;
  /** The Kafka client's own verbosity (default `warn`: its info lines are per-connection chatter). */
  clientLogLevel?: LogLevel;
  /** TCP + TLS + SASL handshake budget per broker connection (default 3000 ms). */
  connectionTimeoutMs?: number;
  /** Budget for one request to answer (default 30000 ms). */
  requestTimeoutMs?: number;
  /** How the client retries failed requests (metadata, joins, commits). */
  retry?: Partial<BackoffPolicy>;
}

export const CONNECTION_DEFAULTS = Object.freeze({
  clientLogLevel: 'warn' as LogLevel,
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
});

const BROKER_ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

/** Checks the connection settings, naming the field that is wrong. */
export function validateConnection(connection: KafkaConnection): KafkaConnection {
  const problems: string[] = [];
  if (!Array.isArray(connection.brokers) || connection.brokers.length === 0) {
    problems.push('brokers must list at least one host:port (set KAFKA_BROKERS)');
  } else {
    for (const broker of connection.brokers) {
      const match = BROKER_ADDRESS.exec(broker);
      const port = match ? Number(match[2]) : 0;
      if (!match || port < 1 || port > 65_535) problems.push(`broker "${broker}" is not host:port`);
    }
  }
  if (typeof connection.clientId !== 'string' || connection.clientId.trim() === '')
    problems.push('clientId must be a non-empty string');
  if (connection.sasl) {
    if (connection.sasl.mechanism !== undefined && connection.sasl.mechanism !== 'scram-sha-512') {
      problems.push(`sasl.mechanism must be scram-sha-512 (got ${String(connection.sasl.mechanism)})`);
    }
    if (!connection.sasl.username) problems.push('sasl.username is empty');
    if (!connection.sasl.password) problems.push('sasl.password is empty');
  }
  for (const field of ['connectionTimeoutMs', 'requestTimeoutMs'] as const) {
    const value = connection[field];
    if (value !== undefined && !(Number.isFinite(value) && value > 0))
      problems.push(`${field} must be a positive number`);
  }
  if (problems.length > 0) throw new ConfigurationError(`Invalid Kafka connection: ${problems.join('; ')}`);
  return connection;
}
