import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaClient } from '../client/kafka-client';
import type { ConsumedRecord } from '../consumer/consumed-record';
import { MessagingError } from '../errors';
import { silentLogger } from '../logger';
import { MessageProducer } from '../producer/message-producer';
import { freshTopic, testClient, uniqueName } from '../test-support/broker';
import { nextEvent } from '../test-support/events';
import { ConsumerRegistry } from './consumer-registry';
import { MessagingHealthIndicator } from './messaging-health';
import { MessagingModule } from './messaging.module';

describe('MessagingModule (real broker)', () => {
  const setupClient = testClient();
  const admin = setupClient.admin();
  let topic: string;
  let app: INestApplicationContext;

  /** A feature service as a service would write it: registers its consumer while modules initialize. */
  @Injectable()
  class GreetingsConsumer implements OnModuleInit {
    readonly received: ConsumedRecord[] = [];
    constructor(private readonly registry: ConsumerRegistry) {}
    onModuleInit(): void {
      this.registry.register({
        groupId: uniqueName('nest-group'),
        topics: [topic],
        eachMessage: async (record) => void this.received.push(record),
      });
    }
  }

  @Module({ providers: [GreetingsConsumer] })
  class GreetingsModule {}

  beforeAll(async () => {
    topic = await freshTopic(admin, 'nest');
    @Module({
      imports: [
        MessagingModule.forRootAsync({
          useFactory: async () => ({
            connection: {
              brokers: [...setupClient.brokers],
              clientId: uniqueName('nest-test'),
              logger: silentLogger,
            },
          }),
        }),
        GreetingsModule,
      ],
    })
    class AppModule {}
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    await app.init();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('starts registered consumers on bootstrap and delivers what the injected producer sends', async () => {
    const [consumer] = app.get(ConsumerRegistry).list();
    const delivered = nextEvent(consumer, 'processed');

    await app.get(MessageProducer).send(topic, [{ key: 'm-1', value: Buffer.from('hello') }]);

    const { record } = await delivered;
    expect(record.value?.toString()).toBe('hello');
    expect(app.get(GreetingsConsumer).received.map((r) => r.key)).toEqual(['m-1']);
  });

  it('reports broker reachability for /health', async () => {
    const health = await app.get(MessagingHealthIndicator).isHealthy('kafka');
    expect(health.kafka.status).toBe('up');
    expect(app.get(KafkaClient).brokers).toEqual(setupClient.brokers);
  });

  it('on shutdown stops consumers, then disconnects the producer', async () => {
    const producer = app.get(MessageProducer);
    await app.close();
    await expect(producer.send(topic, [{ value: Buffer.from('late') }])).rejects.toThrow(MessagingError);
  });
});
