import { readFileSync } from 'node:fs';
import type { KafkaConnection } from '@smis/messaging';
import { EXIT } from '../exit-codes';
import { CliError } from '../io';

/** Connection options every command that talks to Kafka takes. */
export interface ConnectionFlags {
  brokers?: string;
  saslUsername?: string;
  saslPasswordFile?: string;
  tls?: boolean;
  tlsCaFile?: string;
}

/** How to reach the cluster, for the Kafka client and for Kafka's own command-line tools. */
export interface ClusterAccess {
  brokers: string[];
  sasl?: { username: string; password: string };
  tls?: { caFile?: string };
}

export const CONNECTION_HELP = `
Connection (flags override the environment):
  KAFKA_BROKERS         bootstrap servers, host:port,...
  KAFKA_SASL_USERNAME   SCRAM-SHA-512 user (an administrator: it creates topics, users, ACLs)
  KAFKA_SASL_PASSWORD   its password (or --sasl-password-file)`;

export function clusterAccess(flags: ConnectionFlags, env: NodeJS.ProcessEnv): ClusterAccess {
  const brokers = (flags.brokers ?? env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0)
    throw new CliError('No brokers: pass --brokers host:port or set KAFKA_BROKERS', EXIT.usage);
  const username = flags.saslUsername ?? env.KAFKA_SASL_USERNAME;
  let password = env.KAFKA_SASL_PASSWORD;
  if (flags.saslPasswordFile) {
    try {
      password = readFileSync(flags.saslPasswordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new CliError(
        `Cannot read --sasl-password-file ${flags.saslPasswordFile}: ${(error as Error).message}`,
        EXIT.failure,
      );
    }
  }
  if (username && !password)
    throw new CliError(
      `SASL user ${username} has no password: set KAFKA_SASL_PASSWORD or pass --sasl-password-file`,
      EXIT.usage,
    );
  return {
    brokers,
    sasl: username && password ? { username, password } : undefined,
    tls: flags.tls || flags.tlsCaFile ? { caFile: flags.tlsCaFile } : undefined,
  };
}

export function kafkaConnection(access: ClusterAccess, clientId: string): KafkaConnection {
  return {
    brokers: access.brokers,
    clientId,
    sasl: access.sasl ? { mechanism: 'scram-sha-512', ...access.sasl } : undefined,
    ssl: access.tls
      ? access.tls.caFile
        ? { ca: [readFileSync(access.tls.caFile, 'utf8')] }
        : true
      : undefined,
  };
}
