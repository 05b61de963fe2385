import 'reflect-metadata';
import { Injectable, Module, type INestApplication, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ConsumerRegistry,
  createKafka,
  MessageProducer,
  MessagingModule,
  NonRetriableError,
  RetriableError,
  silentLogger,
  type ConsumedRecord,
} from '@smis/messaging';
import { testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentLogContext } from '../logging/log-context';
import {
  currentTraceContext,
  runWithTraceContext,
  tracedHandler,
  tracingProducer,
} from '../tracing/trace-propagation';
import { childSpan } from '../tracing/traceparent';
import { instrumentProducer } from './messaging-metrics';
import { MessagingInstrumentation, MetricsModule } from './metrics.module';

const topic = uniqueName('observability');
const groupId = uniqueName('observability-group');

interface Seen {
  record: ConsumedRecord;
  traceId?: string;
  messageId?: string;
}

/** Settles when the consumer has handled every outcome the test publishes. */
class Outcomes {
  readonly seen: Seen[] = [];
  processed = 0;
  deadLettered = 0;
  private resolve: () => void = () => undefined;
  readonly done = new Promise<void>((resolve) => (this.resolve = resolve));
  check(): void {
    if (this.processed === 2 && this.deadLettered === 1) this.resolve();
  }
}
const outcomes = new Outcomes();

@Injectable()
class ProbeConsumer implements OnModuleInit {
  constructor(private readonly consumers: ConsumerRegistry) {}

  onModuleInit(): void {
    this.consumers.register({
      groupId,
      topics: [topic],
      retryDelaysMs: [50],
      hooks: {
        processed: () => (outcomes.processed++, outcomes.check()),
        deadLettered: () => (outcomes.deadLettered++, outcomes.check()),
      },
      eachMessage: tracedHandler(async (record) => {
        outcomes.seen.push({
          record,
          traceId: currentTraceContext()?.traceId,
          messageId: currentLogContext().messageId,
        });
        const kind = record.value?.toString();
        if (kind === 'poison') throw new NonRetriableError('cannot read this record');
        if (kind === 'flaky' && record.attempt === 1) throw new RetriableError('try again');
      }),
    });
  }
}

@Module({ providers: [ProbeConsumer] })
class ProbeModule {}

@Module({
  imports: [
    MessagingModule.forRoot({
      connection: {
        brokers: testKafkaBrokers(),
        clientId: uniqueName('observability'),
        logger: silentLogger,
      },
    }),
    MetricsModule.forRoot({ defaultLabels: { service: 'probe' }, messaging: { lagIntervalMs: 60_000 } }),
    ProbeModule,
  ],
})
class ProbeApplication {}

describe('MetricsModule with @smis/messaging (real broker)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const admin = createKafka({
      brokers: testKafkaBrokers(),
      clientId: uniqueName('observability-admin'),
      logger: silentLogger,
    }).admin();
    await admin.ensureTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
    await admin.disconnect();
    app = await NestFactory.create(ProbeApplication, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
  });

  const scrape = async (): Promise<string> => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };
  const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
      );
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('counts records in and out, retries and dead letters, and measures the lag', async () => {
    const instrumentation = app.get(MessagingInstrumentation);
    const producer = instrumentProducer(tracingProducer(app.get(MessageProducer)), instrumentation.metrics);
    const root = childSpan();
    const messageId = '0b6c5b5e-8a49-4a4b-9a55-2f6a1f0d9c11';
    await runWithTraceContext(root, () =>
      producer.send(topic, [
        { key: messageId, value: Buffer.from('fine') },
        { key: 'k-2', value: Buffer.from('flaky') },
        { key: 'k-3', value: Buffer.from('poison') },
      ]),
    );
    await outcomes.done;

    // The trace crossed the Kafka hop, and the message id reached the log context.
    const fine = outcomes.seen.find((s) => s.record.value?.toString() === 'fine');
    expect(fine).toMatchObject({ traceId: root.traceId, messageId });

    // The group commits what it processed; the gauge follows at the next refresh.
    await waitFor(
      async () => {
        await instrumentation.refreshLag();
        const lag = await instrumentation.metrics.consumerLag.get();
        return lag.values.find((v) => v.labels.topic === topic && v.labels.group === groupId)?.value === 0;
      },
      { description: 'the consumer lag gauge to reach 0' },
    );
    const text = await scrape();
    const group = { group: groupId, topic };
    expect(sample(text, 'smis_messaging_messages_out_total', { topic })).toBe(3);
    expect(sample(text, 'smis_messaging_messages_in_total', { ...group, outcome: 'processed' })).toBe(2);
    expect(sample(text, 'smis_messaging_messages_in_total', { ...group, outcome: 'retried' })).toBe(1);
    expect(sample(text, 'smis_messaging_retries_total', group)).toBe(1);
    expect(sample(text, 'smis_messaging_dead_letters_total', { ...group, error: 'NonRetriableError' })).toBe(
      1,
    );
    expect(sample(text, 'smis_messaging_handler_duration_seconds_count', group)).toBe(2);
    expect(sample(text, 'smis_messaging_consumer_lag', { ...group, partition: '0' })).toBe(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="probe"\} /m);
    // The scrape itself was counted by route template.
    expect(await scrape()).toMatch(
      /^smis_http_requests_total\{method="GET",route="\/metrics",status="200",service="probe"\} [1-9]/m,
    );
  });
});
