import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ConsumerRegistry,
  createKafka,
  KafkaClient,
  MessageProducer,
  ProduceError,
  silentLogger,
  type OutgoingRecord,
  type PublishedBatch,
} from '@smis/messaging';
import { afterEach, describe, expect, it } from 'vitest';
import { observeMessaging, TracingConsumerRegistry } from './messaging-observability';
import { MetricsModule } from './metrics/metrics.module';
import { MetricsRegistry } from './metrics/metrics-registry';
import { TracingProducer } from './tracing/trace-propagation';

/** Publishes nothing: keeps what it is given, or fails every send to `failing`. */
class FakeProducer extends MessageProducer {
  readonly sent: { topic: string; records: readonly OutgoingRecord[] }[] = [];
  override connect(): Promise<void> {
    return Promise.resolve();
  }
  override async send(topic: string, records: readonly OutgoingRecord[]): Promise<PublishedBatch[]> {
    if (topic === 'failing') throw new ProduceError('the broker said no', { topic, retriable: false });
    this.sent.push({ topic, records });
    return [{ topic, partition: 0, baseOffset: '0' }];
  }
  override disconnect(): Promise<void> {
    return Promise.resolve();
  }
}

@Module({})
class FakeMessagingModule {}

/** Shaped as MessagingModule.forRoot(): a producer factory and the consumer registry. */
function fakeMessaging(inner: FakeProducer): DynamicModule {
  return {
    module: FakeMessagingModule,
    global: true,
    providers: [
      {
        provide: KafkaClient,
        useValue: createKafka({
          brokers: ['127.0.0.1:1'],
          clientId: 'observability-unit',
          logger: silentLogger,
        }),
      },
      { provide: MessageProducer, useFactory: () => inner },
      ConsumerRegistry,
    ],
    exports: [KafkaClient, MessageProducer, ConsumerRegistry],
  };
}

describe('observeMessaging', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('counts records out and publish failures per topic, and traces every record', async () => {
    const inner = new FakeProducer();
    @Module({
      imports: [
        observeMessaging(fakeMessaging(inner)),
        MetricsModule.forRoot({ defaultMetrics: false, http: false }),
      ],
    })
    class Application {}
    app = await NestFactory.createApplicationContext(Application, { logger: false });
    const producer = app.get(MessageProducer);
    expect(producer).toBeInstanceOf(TracingProducer);
    expect(app.get(ConsumerRegistry)).toBeInstanceOf(TracingConsumerRegistry);

    await producer.send('smis.events.v1', [
      { key: 'a', value: null },
      { key: 'b', value: null },
    ]);
    await expect(producer.send('failing', [{ key: 'c', value: null }])).rejects.toThrow(ProduceError);
    const text = await app.get(MetricsRegistry).metrics();
    expect(text).toContain('smis_messaging_messages_out_total{topic="smis.events.v1"} 2');
    expect(text).toContain('smis_messaging_publish_failures_total{topic="failing",error="ProduceError"} 1');
    expect(text).not.toMatch(/smis_messaging_messages_out_total\{topic="failing"\}/);
    for (const record of inner.sent[0].records)
      expect(record.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('traces without metrics when the application has no MetricsModule, and can leave tracing off', async () => {
    const inner = new FakeProducer();
    @Module({ imports: [observeMessaging(fakeMessaging(inner))] })
    class WithoutMetrics {}
    app = await NestFactory.createApplicationContext(WithoutMetrics, { logger: false });
    await app.get(MessageProducer).send('t', [{ value: null }]);
    expect(inner.sent[0].records[0].headers?.traceparent).toBeDefined();
    await app.close();

    const plain = new FakeProducer();
    @Module({
      imports: [
        observeMessaging(fakeMessaging(plain), { tracing: false }),
        MetricsModule.forRoot({ defaultMetrics: false, http: false }),
      ],
    })
    class MetricsOnly {}
    app = await NestFactory.createApplicationContext(MetricsOnly, { logger: false });
    await app.get(MessageProducer).send('t', [{ value: null }]);
    expect(plain.sent[0].records[0].headers).toBeUndefined();
    expect(app.get(ConsumerRegistry)).not.toBeInstanceOf(TracingConsumerRegistry);
    expect(await app.get(MetricsRegistry).metrics()).toContain(
      'smis_messaging_messages_out_total{topic="t"} 1',
    );
  });

  it('refuses a module that is not the messaging module', () => {
    expect(() => observeMessaging({ module: FakeMessagingModule, providers: [] })).toThrow(
      /MessagingModule.forRoot/,
    );
  });
});
