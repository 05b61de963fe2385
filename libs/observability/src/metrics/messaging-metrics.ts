import {
  MessageProducer,
  type ConsumerHooks,
  type MessageConsumer,
  type OutgoingRecord,
  type PublishedBatch,
  type TopicAdmin,
} from '@smis/messaging';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MESSAGING_METRICS, type MetricDefinition } from './metric-catalog';
import type { MetricsRegistry } from './metrics-registry';

type Labels<D extends MetricDefinition> = D['labels'][number];

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** The `smis_messaging_*` metrics of one registry. */
export class MessagingMetrics {
  readonly messagesIn: Counter<Labels<typeof MESSAGING_METRICS.messagesIn>>;
  readonly messagesOut: Counter<Labels<typeof MESSAGING_METRICS.messagesOut>>;
  readonly publishFailures: Counter<Labels<typeof MESSAGING_METRICS.publishFailures>>;
  readonly retries: Counter<Labels<typeof MESSAGING_METRICS.retries>>;
  readonly deadLetters: Counter<Labels<typeof MESSAGING_METRICS.deadLetters>>;
  readonly handlerDuration: Histogram<Labels<typeof MESSAGING_METRICS.handlerDuration>>;
  readonly consumerCrashes: Counter<Labels<typeof MESSAGING_METRICS.consumerCrashes>>;
  readonly consumerLag: Gauge<Labels<typeof MESSAGING_METRICS.consumerLag>>;

  constructor(registry: MetricsRegistry) {
    const factory = registry.service('messaging');
    const short = (definition: MetricDefinition): string => definition.name.replace(/^smis_messaging_/, '');
    const m = MESSAGING_METRICS;
    this.messagesIn = factory.counter(short(m.messagesIn), m.messagesIn.help, m.messagesIn.labels);
    this.messagesOut = factory.counter(short(m.messagesOut), m.messagesOut.help, m.messagesOut.labels);
    this.publishFailures = factory.counter(
      short(m.publishFailures),
      m.publishFailures.help,
      m.publishFailures.labels,
    );
    this.retries = factory.counter(short(m.retries), m.retries.help, m.retries.labels);
    this.deadLetters = factory.counter(short(m.deadLetters), m.deadLetters.help, m.deadLetters.labels);
    this.handlerDuration = factory.histogram(
      short(m.handlerDuration),
      m.handlerDuration.help,
      m.handlerDuration.labels,
    );
    this.consumerCrashes = factory.counter(
      short(m.consumerCrashes),
      m.consumerCrashes.help,
      m.consumerCrashes.labels,
    );
    this.consumerLag = factory.gauge(short(m.consumerLag), m.consumerLag.help, m.consumerLag.labels);
  }
}

/**
 * Consumer hooks that move the messaging counters; pass them as `hooks` in the consumer options
 * or attach them to a running consumer with `instrumentConsumer`. Topic labels are the source
 * topic (a record from `<topic>.retry.2` counts for `<topic>`).
 */
export function consumerMetricHooks(metrics: MessagingMetrics): Required<ConsumerHooks> {
  return {
    processed: ({ groupId, record, durationMs }) => {
      metrics.messagesIn.inc({ group: groupId, topic: record.topic, outcome: 'processed' });
      metrics.handlerDuration.observe({ group: groupId, topic: record.topic }, durationMs / 1000);
    },
    retried: ({ groupId, record }) => {
      metrics.messagesIn.inc({ group: groupId, topic: record.topic, outcome: 'retried' });
      metrics.retries.inc({ group: groupId, topic: record.topic });
    },
    deadLettered: ({ groupId, record, error }) => {
      metrics.messagesIn.inc({ group: groupId, topic: record.topic, outcome: 'dead_lettered' });
      metrics.deadLetters.inc({ group: groupId, topic: record.topic, error: errorName(error) });
    },
    crashed: ({ groupId, restarting }) => {
      metrics.consumerCrashes.inc({ group: groupId, restarting: String(restarting) });
    },
  };
}

/** Attaches the metric hooks to a consumer; returns the function that detaches them. */
export function instrumentConsumer(consumer: MessageConsumer, metrics: MessagingMetrics): () => void {
  const hooks = consumerMetricHooks(metrics);
  const detach = [
    consumer.on('processed', hooks.processed),
    consumer.on('retried', hooks.retried),
    consumer.on('deadLettered', hooks.deadLettered),
    consumer.on('crashed', hooks.crashed),
  ];
  return () => detach.forEach((off) => off());
}

/** A producer that counts what it publishes (and what fails), per topic. */
export class InstrumentedProducer extends MessageProducer {
  constructor(
    private readonly inner: MessageProducer,
    private readonly metrics: MessagingMetrics,
  ) {
    super();
  }

  override connect(): Promise<void> {
    return this.inner.connect();
  }

  override async send(topic: string, records: readonly OutgoingRecord[]): Promise<PublishedBatch[]> {
    try {
      const result = await this.inner.send(topic, records);
      this.metrics.messagesOut.inc({ topic }, records.length);
      return result;
    } catch (error) {
      this.metrics.publishFailures.inc({ topic, error: errorName(error) });
      throw error;
    }
  }

  override disconnect(): Promise<void> {
    return this.inner.disconnect();
  }
}

export function instrumentProducer(producer: MessageProducer, metrics: MessagingMetrics): MessageProducer {
  return new InstrumentedProducer(producer, metrics);
}

/** What the lag monitor asks the cluster. */
export type LagAdmin = Pick<TopicAdmin, 'committedOffsets' | 'fetchTopicOffsets'>;

export interface LagTarget {
  groupId: string;
  topics: readonly string[];
}

export interface ConsumerLagMonitorOptions {
  admin: LagAdmin;
  metrics: MessagingMetrics;
  /** The groups and topics to watch, asked at every refresh (consumers come and go). */
  targets: () => readonly LagTarget[];
  /** Default 15 s: about a Prometheus scrape interval. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Sets `smis_messaging_consumer_lag` per group, topic and partition from the committed offsets
 * and the high watermarks, every `intervalMs`. A partition with no committed offset counts its
 * whole log (low to high watermark) as lag.
 */
export class ConsumerLagMonitor {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: ConsumerLagMonitorOptions) {}

  start(): void {
    if (this.timer) return;
    const interval = this.options.intervalMs ?? 15_000;
    this.timer = setInterval(() => void this.refresh(), interval);
    this.timer.unref();
    void this.refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One refresh now; concurrent calls share the refresh in flight. */
  refresh(): Promise<void> {
    this.running ??= this.measure()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async measure(): Promise<void> {
    const { admin, metrics } = this.options;
    for (const { groupId, topics } of this.options.targets()) {
      for (const topic of topics) {
        const [committed, watermarks] = await Promise.all([
          admin.committedOffsets(groupId, topic),
          admin.fetchTopicOffsets(topic),
        ]);
        const byPartition = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
        for (const { partition, low, high } of watermarks) {
          const offset = byPartition.get(partition) ?? -1n;
          const from = offset < 0n ? BigInt(low) : offset;
          const lag = BigInt(high) - from;
          metrics.consumerLag.set(
            { group: groupId, topic, partition: String(partition) },
            Number(lag > 0n ? lag : 0n),
          );
        }
      }
    }
  }
}
