import { Injectable } from '@nestjs/common';
import { KafkaClient } from '../client/kafka-client';
import type { ConsumerOptions, MessageConsumer } from '../consumer/message-consumer';
import { describeError } from '../errors';
import { MessageProducer } from '../producer/message-producer';

/**
 * The consumers of this process. Register them while modules initialize (`onModuleInit`); they
 * start when the application has bootstrapped and stop before the producer disconnects.
 */
@Injectable()
export class ConsumerRegistry {
  private readonly consumers: MessageConsumer[] = [];
  private started = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly producer: MessageProducer,
  ) {}

  /** Adds a consumer; it publishes retries and dead letters with the shared producer unless told otherwise. */
  register(options: ConsumerOptions): MessageConsumer {
    const consumer = this.client.consumer({ ...options, producer: options.producer ?? this.producer });
    this.consumers.push(consumer);
    if (this.started) {
      consumer.start().catch((error: unknown) =>
        this.client.logger.error('A consumer registered after bootstrap failed to start', {
          groupId: consumer.groupId,
          error: describeError(error),
        }),
      );
    }
    return consumer;
  }

  list(): readonly MessageConsumer[] {
    return [...this.consumers];
  }

  /** Starts every registered consumer; rejects (failing the bootstrap) if one cannot start. */
  async startAll(): Promise<void> {
    this.started = true;
    await Promise.all(this.consumers.map((consumer) => consumer.start()));
  }

  /** Stops every consumer; each finishes its record in hand and commits. */
  async stopAll(): Promise<void> {
    this.started = false;
    const results = await Promise.allSettled(this.consumers.map((consumer) => consumer.stop()));
    for (const [index, result] of results.entries()) {
      if (result.status === 'rejected') {
        this.client.logger.error('A consumer failed to stop cleanly', {
          groupId: this.consumers[index].groupId,
          error: describeError(result.reason),
        });
      }
    }
  }
}
