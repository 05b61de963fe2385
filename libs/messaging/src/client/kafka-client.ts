import { Kafka, type KafkaConfig } from 'kafkajs';
import { createTopicAdmin } from '../admin/create-topic-admin';
import type { TopicAdmin } from '../admin/topic-admin';
import { createConsumer } from '../consumer/create-consumer';
import type { ConsumerOptions, MessageConsumer } from '../consumer/message-consumer';
import { checkBrokers, type BrokerHealth, type BrokerHealthOptions } from '../health/broker-health';
import { stderrLogger, type MessagingLogger } from '../logger';
import { createProducer, type ProducerOptions } from '../producer/create-producer';
import type { MessageProducer } from '../producer/message-producer';
import { DEFAULT_BACKOFF, validateBackoff } from '../retry/backoff';
import { toClientRetry } from './client-retry';
import { CONNECTION_DEFAULTS, validateConnection, type KafkaConnection } from './kafka-connection';
import { bridgeClientLogs, toClientLogLevel } from './log-bridge';

/**
 * The project's handle on a Kafka cluster: makes producers, consumers and admin clients that
 * share one connection configuration. Also the NestJS injection token for it.
 */
export class KafkaClient {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: MessagingLogger;
  private readonly kafka: Kafka;
  private readonly clientConfig: KafkaConfig;
  /** Health checks ask once: a probe must answer within its timeout, not after the client's retries. */
  private healthKafka?: Kafka;

  constructor(connection: KafkaConnection) {
    validateConnection(connection);
    this.clientId = connection.clientId;
    this.brokers = Object.freeze([...connection.brokers]);
    this.logger = connection.logger ?? stderrLogger('warn');
    this.clientConfig = {
      clientId: connection.clientId,
      brokers: [...connection.brokers],
      ssl: connection.ssl,
      sasl: connection.sasl
        ? {
            mechanism: 'scram-sha-512',
            username: connection.sasl.username,
            password: connection.sasl.password,
          }
        : undefined,
      connectionTimeout: connection.connectionTimeoutMs ?? CONNECTION_DEFAULTS.connectionTimeoutMs,
      requestTimeout: connection.requestTimeoutMs ?? CONNECTION_DEFAULTS.requestTimeoutMs,
      retry: toClientRetry(validateBackoff({ ...DEFAULT_BACKOFF, ...connection.retry })),
      logLevel: toClientLogLevel(connection.clientLogLevel ?? CONNECTION_DEFAULTS.clientLogLevel),
      logCreator: bridgeClientLogs(this.logger),
    };
    this.kafka = new Kafka(this.clientConfig);
  }

  /** An idempotent producer; connects on first send. */
  producer(options?: ProducerOptions): MessageProducer {
    return createProducer({ kafka: this.kafka, logger: this.logger, options });
  }

  /** A consumer with retry topics and a dead-letter topic; call `start()`. */
  consumer(options: ConsumerOptions): MessageConsumer {
    return createConsumer({
      kafka: this.kafka,
      logger: this.logger,
      options,
      createAdmin: () => this.admin(),
      createProducer: () => this.producer(),
    });
  }

  /** Topic and group administration; connects on first use, `disconnect()` when done. */
  admin(): TopicAdmin {
    return createTopicAdmin({ kafka: this.kafka, logger: this.logger });
  }

  /** Whether the brokers answer; never rejects. */
  checkHealth(options?: BrokerHealthOptions): Promise<BrokerHealth> {
    this.healthKafka ??= new Kafka({ ...this.clientConfig, retry: { retries: 0 } });
    return checkBrokers(this.healthKafka, options);
  }
}

/** Validates the connection settings and returns the client for them. */
export function createKafka(connection: KafkaConnection): KafkaClient {
  return new KafkaClient(connection);
}
