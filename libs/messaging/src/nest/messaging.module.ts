import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { createKafka, KafkaClient } from '../client/kafka-client';
import { MessageProducer } from '../producer/message-producer';
import { ConsumerRegistry } from './consumer-registry';
import { MessagingHealthIndicator } from './messaging-health';
import { MessagingLifecycle } from './messaging-lifecycle';
import {
  MESSAGING_OPTIONS,
  type MessagingModuleAsyncOptions,
  type MessagingModuleOptions,
} from './messaging-options';
import { nestMessagingLogger } from './nest-logger';

/**
 * Kafka for a NestJS application: provides `KafkaClient`, `MessageProducer`, `ConsumerRegistry`
 * and `MessagingHealthIndicator` to every module (global: one cluster connection per process).
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return MessagingModule.build([{ provide: MESSAGING_OPTIONS, useValue: options }], []);
  }

  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    return MessagingModule.build(
      [
        {
          provide: MESSAGING_OPTIONS,
          useFactory: options.useFactory,
          inject: options.inject ?? [],
        },
      ],
      options.imports ?? [],
    );
  }

  private static build(
    optionsProviders: Provider[],
    imports: NonNullable<DynamicModule['imports']>,
  ): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports,
      providers: [
        ...optionsProviders,
        {
          provide: KafkaClient,
          inject: [MESSAGING_OPTIONS],
          useFactory: (options: MessagingModuleOptions) =>
            createKafka({
              ...options.connection,
              logger: options.connection.logger ?? nestMessagingLogger(),
            }),
        },
        {
          provide: MessageProducer,
          inject: [KafkaClient, MESSAGING_OPTIONS],
          useFactory: (client: KafkaClient, options: MessagingModuleOptions) =>
            client.producer(options.producer),
        },
        ConsumerRegistry,
        MessagingHealthIndicator,
        MessagingLifecycle,
      ],
      exports: [KafkaClient, MessageProducer, ConsumerRegistry, MessagingHealthIndicator],
    };
  }
}
