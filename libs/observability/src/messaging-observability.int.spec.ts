import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ConsumerRegistry,
  createKafka,
  MessageProducer,
  MessagingModule,
  silentLogger,
  type ConsumedRecord,
} from '@smis/messaging';
import { testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentLogContext } from './logging/log-context';
import { observeMessaging } from './messaging-observability';
import { MetricsModule } from './metrics/metrics.module';
import { MetricsRegistry } from './metrics/metrics-registry';
import { currentTraceContext, extractTraceContext } from './tracing/trace-propagation';

const inTopic = uniqueName('observed-in');
const outTopic = uniqueName('observed-out');
const first = { id: '3f2b8c1e-5a4d-4e6f-8a9b-0c1d2e3f4a5b', trace: '4bf92f3577b34da6a3ce929d0e0e4736' };
const second = { id: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d', trace: '0af7651916cd43dd8448eb211c80319c' };

interface Seen {
  record: ConsumedRecord;
  traceId?: string;
  messageId?: string;
}
const relayed: Seen[] = [];

/**
 * A service as the platform's are: plain handlers (no tracing of their own), the injected
 * producer. The batch consumer forwards each record under its key; the other records what it sees.
 */
@Injectable()
class Forwarder implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    private readonly producer: MessageProducer,
  ) {}

  onModuleInit(): void {
    this.consumers.register({
      groupId: uniqueName('observed-forward'),
      topics: [inTopic],
      eachBatch: async (records) => {
        await this.producer.send(
          outTopic,
          records.map((r) => ({ key: r.key, value: r.value })),
        );
      },
    });
    this.consumers.register({
      groupId: uniqueName('observed-sink'),
      topics: [outTopic],
      eachMessage: async (record) => {
        relayed.push({
          record,
          traceId: currentTraceContext()?.traceId,
          messageId: currentLogContext().messageId,
        });
      },
    });
  }
}

@Module({ providers: [Forwarder] })
class ForwarderModule {}

@Module({
  imports: [
    observeMessaging(
      MessagingModule.forRoot({
        connection: { brokers: testKafkaBrokers(), clientId: uniqueName('observed'), logger: silentLogger },
      }),
    ),
    MetricsModule.forRoot({ defaultMetrics: false, http: false, messaging: { lagIntervalMs: 60_000 } }),
    ForwarderModule,
  ],
})
class ObservedApplication {}

describe('observeMessaging with MessagingModule (real broker)', () => {
  let app: INestApplicationContext;

  beforeAll(async () => {
    const admin = createKafka({
      brokers: testKafkaBrokers(),
      clientId: uniqueName('observed-admin'),
      logger: silentLogger,
    }).admin();
    await admin.ensureTopics([
      { topic: inTopic, numPartitions: 1, replicationFactor: 1 },
      { topic: outTopic, numPartitions: 1, replicationFactor: 1 },
    ]);
    await admin.disconnect();
    app = await NestFactory.createApplicationContext(ObservedApplication, { logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('continues the trace of each consumed record in what a batch handler publishes, and counts it', async () => {
    // A sender system's records, each in a trace of its own, published together.
    const sender = createKafka({
      brokers: testKafkaBrokers(),
      clientId: uniqueName('observed-sender'),
      logger: silentLogger,
    }).producer();
    await sender.send(inTopic, [
      {
        key: first.id,
        value: Buffer.from('1'),
        headers: { traceparent: `00-${first.trace}-00f067aa0ba902b7-01` },
      },
      {
        key: second.id,
        value: Buffer.from('2'),
        headers: { traceparent: `00-${second.trace}-b7ad6b7169203331-01` },
      },
    ]);
    await sender.disconnect();

    await waitFor(() => relayed.length >= 2, { timeoutMs: 60_000, description: 'both records relayed' });
    for (const { id, trace } of [first, second]) {
      const seen = relayed.find((s) => s.record.key === id);
      const context = extractTraceContext(seen?.record.headers ?? {});
      // The forwarded record is a new span of the sender's trace, and its consumer runs in it.
      expect(context?.traceId).toBe(trace);
      expect(context?.spanId).not.toMatch(/^(00f067aa0ba902b7|b7ad6b7169203331)$/);
      expect(seen).toMatchObject({ traceId: trace, messageId: id });
    }

    const text = await app.get(MetricsRegistry).metrics();
    expect(text).toContain(`smis_messaging_messages_out_total{topic="${outTopic}"} 2`);
    expect(text).toMatch(
      new RegExp(`smis_messaging_messages_in_total\\{[^}]*topic="${inTopic}",outcome="processed"\\} 2`),
    );
  });
});
