import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MessageProducer } from '../producer/message-producer';
import { ConsumerRegistry } from './consumer-registry';

/**
 * Owns the order of start and stop in one place: consumers start once every module is ready;
 * on shutdown they stop first (finishing records in hand, which may still publish), then the
 * producer disconnects.
 */
@Injectable()
export class MessagingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly registry: ConsumerRegistry,
    private readonly producer: MessageProducer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.registry.startAll();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registry.stopAll();
    await this.producer.disconnect();
  }
}
