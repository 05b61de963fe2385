import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  ConsumerLagMonitor,
  consumerMetricHooks,
  MessagingMetrics,
  type LagAdmin,
} from './messaging-metrics';
import { METRIC_CATALOG, metricName } from './metric-catalog';
import { MetricsRegistry } from './metrics-registry';

describe('metric names', () => {
  it('are smis_<service>_<name>', () => {
    expect(metricName('sms-channel', 'segments_sent_total')).toBe('smis_sms_channel_segments_sent_total');
    expect(() => metricName('Router', 'x')).toThrow(TypeError);
    expect(() => metricName('router', 'smis_router_x')).toThrow(/without the smis_<service>_ prefix/);
    for (const { name } of METRIC_CATALOG) expect(name).toMatch(/^smis_[a-z0-9_]+$/);
  });

  it('gives the same metric when asked twice and refuses a type clash', () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const first = registry.service('router').counter('fallbacks_total', 'help', ['from', 'to']);
    expect(registry.service('router').counter('fallbacks_total', 'help', ['from', 'to'])).toBe(first);
    expect(() => registry.service('router').gauge('fallbacks_total', 'help')).toThrow(/another type/);
  });
});

describe('adopted metrics', () => {
  it('are served by the registry, once, and refused when another has the name', async () => {
    const events = new Counter({
      name: 'smis_status_probe_total',
      help: 'h',
      labelNames: ['outcome'],
      registers: [],
    });
    const registry = new MetricsRegistry({ defaultMetrics: false, defaultLabels: { service: 'platform' } });
    registry.adopt(events);
    registry.adopt(events);
    events.inc({ outcome: 'recorded' }, 2);
    expect(await registry.metrics()).toContain(
      'smis_status_probe_total{outcome="recorded",service="platform"} 2',
    );
    // The same counter in a second registry of the process.
    const other = new MetricsRegistry({ defaultMetrics: false });
    other.adopt(events);
    expect(await other.metrics()).toContain('smis_status_probe_total{outcome="recorded"} 2');
    const clash = new Counter({ name: 'smis_status_probe_total', help: 'h', registers: [] });
    expect(() => registry.adopt(clash)).toThrow(/Another metric smis_status_probe_total/);
    const unnamed = new Counter({ name: 'probe_total', help: 'h', registers: [] });
    expect(() => registry.adopt(unnamed)).toThrow(/smis_<service>_<name>/);
  });
});

describe('consumer metrics', () => {
  it('move with the consumer events', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const metrics = new MessagingMetrics(registry);
    const hooks = consumerMetricHooks(metrics);
    const record = {
      topic: 'smis.events.v1',
      partition: 0,
      offset: '1',
      key: null,
      value: null,
      headers: {},
      timestamp: new Date(),
      attempt: 1,
    };
    hooks.processed({ groupId: 'g', record, durationMs: 12 });
    hooks.retried({
      groupId: 'g',
      record,
      error: new Error('x'),
      retryTopic: 'smis.events.v1.retry.1',
      nextAttempt: 2,
      dueAt: new Date(),
    });
    hooks.deadLettered({
      groupId: 'g',
      record,
      error: new TypeError('bad'),
      deadLetterTopic: 'smis.events.v1.dlq',
      attempts: 2,
    });
    const text = await registry.metrics();
    expect(text).toContain(
      'smis_messaging_messages_in_total{group="g",topic="smis.events.v1",outcome="processed"} 1',
    );
    expect(text).toContain('smis_messaging_retries_total{group="g",topic="smis.events.v1"} 1');
    expect(text).toContain(
      'smis_messaging_dead_letters_total{group="g",topic="smis.events.v1",error="TypeError"} 1',
    );
  });

  it('compute the lag per partition, a partition without commits counting its whole log', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const metrics = new MessagingMetrics(registry);
    const admin: LagAdmin = {
      committedOffsets: async () => [
        { partition: 0, offset: '7' },
        { partition: 1, offset: '-1' },
      ],
      fetchTopicOffsets: async () => [
        { partition: 0, low: '0', high: '10' },
        { partition: 1, low: '4', high: '9' },
      ],
    };
    const monitor = new ConsumerLagMonitor({
      admin,
      metrics,
      targets: () => [{ groupId: 'router', topics: ['smis.requests.v1'] }],
    });
    await monitor.refresh();
    const values = (await metrics.consumerLag.get()).values.map((v) => [v.labels.partition, v.value]);
    expect(values).toEqual([
      ['0', 3],
      ['1', 5],
    ]);
  });

  it('report a failed refresh instead of throwing', async () => {
    const errors: unknown[] = [];
    const monitor = new ConsumerLagMonitor({
      admin: {
        committedOffsets: async () => Promise.reject(new Error('broker away')),
        fetchTopicOffsets: async () => [],
      },
      metrics: new MessagingMetrics(new MetricsRegistry({ defaultMetrics: false })),
      targets: () => [{ groupId: 'g', topics: ['t'] }],
      onError: (error) => errors.push(error),
    });
    await monitor.refresh();
    expect(errors).toEqual([new Error('broker away')]);
  });
});
