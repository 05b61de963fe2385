import { Injectable, Optional } from '@nestjs/common';
import { MetricsRegistry } from '@smis/observability';
import type { Counter, Histogram } from 'prom-client';
import type { PushProviderKind } from './push/push-provider';

/** How a job's notification reached a device: its live connection or a push provider. */
export type DispatchRoute = 'live' | PushProviderKind;

/** Buckets of the dispatch latency, in seconds: 5 ms to 2 minutes (pushes retry with backoff). */
const DISPATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * A push failure reason as a bounded label: the provider's code (`fcm.unregistered`,
 * `apns.baddevicetoken`, `webpush.410`, `fcm.network`), without the free text some reasons carry
 * after a colon (error messages: unbounded, and not for a metric).
 */
export function pushFailureReason(reason: string | undefined): string {
  const code = (reason ?? '').split(':')[0].trim().toLowerCase();
  const bounded = code.replace(/[^a-z0-9._-]/g, '_').slice(0, 64);
  return bounded === '' ? 'unknown' : bounded;
}

/**
 * `smis_app_channel_*` metrics (the two the dashboards use are in the platform's metric
 * catalog: push failures and dispatch latency). Registered on the application's MetricsRegistry
 * when the MetricsModule is loaded, on a private registry otherwise.
 */
@Injectable()
export class AppChannelMetrics {
  readonly registry: MetricsRegistry;
  /** outcome: stored | duplicate | expired | no-device | invalid. */
  readonly jobs: Counter<'outcome'>;
  /** outcome: sent | gone | failed. */
  readonly pushes: Counter<'provider' | 'outcome'>;
  /** outcome: accepted | rejected. */
  readonly deviceRequests: Counter<'outcome'>;
  readonly live: Counter;
  private readonly pushFailures: Counter<'provider' | 'reason'>;
  private readonly dispatchLatency: Histogram<'via'>;

  constructor(@Optional() registry?: MetricsRegistry) {
    this.registry = registry ?? new MetricsRegistry({ defaultMetrics: false });
    const m = this.registry.service('app_channel');
    this.jobs = m.counter('jobs_total', 'App channel jobs consumed', ['outcome']);
    this.pushes = m.counter('pushes_total', 'Push notifications sent', ['provider', 'outcome']);
    this.deviceRequests = m.counter('device_requests_total', 'Signed device requests', ['outcome']);
    this.live = m.counter('live_deliveries_total', 'Messages offered over a live connection');
    // Names and labels as in the platform's metric catalog (SERVICE_METRICS).
    this.pushFailures = m.counter(
      'push_failures_total',
      'Push notifications the push service refused or that failed after the retries, by provider and reason.',
      ['provider', 'reason'],
    );
    this.dispatchLatency = m.histogram(
      'dispatch_latency_seconds',
      'From a job received by the app channel to its notification accepted by the push service (or offered over a live connection).',
      ['via'],
      DISPATCH_BUCKETS,
    );
  }

  /** A push the provider refused (`gone`: the token is no longer valid) or that failed for good. */
  pushFailed(provider: string, reason: string | undefined): void {
    this.pushFailures.inc({ provider, reason: pushFailureReason(reason) });
  }

  /** A notification accepted (push) or offered (live) for a job received at `receivedAt` (epoch ms). */
  dispatched(via: DispatchRoute, receivedAt: number, now = Date.now()): void {
    this.dispatchLatency.observe({ via }, Math.max(0, now - receivedAt) / 1000);
  }
}
