import { MetricsRegistry, SERVICE_METRICS } from '@smis/observability';
import { describe, expect, it } from 'vitest';
import { AppChannelMetrics, pushFailureReason } from './metrics';

describe('app channel metrics', () => {
  it('count push failures by provider and a bounded reason, and time dispatches', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    const metrics = new AppChannelMetrics(registry);
    metrics.pushFailed('fcm', 'fcm.unregistered');
    metrics.pushFailed('fcm', 'fcm.error: connect ECONNREFUSED 10.0.0.1:443 for token abc');
    metrics.pushFailed('apns', 'apns.BadDeviceToken');
    metrics.pushFailed('webpush', undefined);
    metrics.dispatched('fcm', 1_000, 1_250);
    metrics.dispatched('live', 1_000, 1_003);
    const text = await registry.metrics();
    expect(text).toContain(
      'smis_app_channel_push_failures_total{provider="fcm",reason="fcm.unregistered"} 1',
    );
    expect(text).toContain('smis_app_channel_push_failures_total{provider="fcm",reason="fcm.error"} 1');
    expect(text).toContain(
      'smis_app_channel_push_failures_total{provider="apns",reason="apns.baddevicetoken"} 1',
    );
    expect(text).toContain('smis_app_channel_push_failures_total{provider="webpush",reason="unknown"} 1');
    expect(text).not.toContain('ECONNREFUSED');
    expect(text).toContain('smis_app_channel_dispatch_latency_seconds_bucket{le="0.25",via="fcm"} 1');
    expect(text).toContain('smis_app_channel_dispatch_latency_seconds_bucket{le="0.1",via="fcm"} 0');
    expect(text).toContain('smis_app_channel_dispatch_latency_seconds_count{via="live"} 1');
  });

  it('use the names and labels of the metric catalog', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    new AppChannelMetrics(registry);
    for (const definition of [SERVICE_METRICS.pushFailures, SERVICE_METRICS.dispatchLatency]) {
      const metric = await registry.registry.getSingleMetric(definition.name)?.get();
      expect(metric?.type, definition.name).toBe(definition.type);
    }
    expect(pushFailureReason('x'.repeat(200))).toHaveLength(64);
    expect(pushFailureReason('Web Push/410 gone')).toBe('web_push_410_gone');
  });
});
