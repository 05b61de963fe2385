import type { MetricsRegistry } from '@smis/observability';
import { Counter, Histogram } from 'prom-client';

// Module-level and in no registry (`registers: []`): the use cases import them directly, and the
// application hosting the status service serves them from its own MetricsRegistry
// (`registerStatusMetrics`), not from prom-client's global registry, which nothing scrapes.
function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return new Counter({ name, help, labelNames, registers: [] });
}

function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> {
  return new Histogram({ name, help, labelNames, buckets, registers: [] });
}

export const statusMetrics = {
  /** outcome: recorded | duplicate. */
  events: counter('smis_status_events_total', 'Delivery events consumed by the status service', [
    'outcome',
    'status',
  ]),
  /** outcome: batched (one transaction) | one-by-one (the batched one failed; see the logs). */
  eventBatches: counter(
    'smis_status_event_batches_total',
    'Runs of delivery events recorded together, by how they were recorded',
    ['outcome'],
  ),
  eventBatchSize: histogram(
    'smis_status_event_batch_size',
    'Delivery events recorded in one transaction',
    [],
    [1, 5, 10, 25, 50, 100, 250, 500, 1000],
  ),
  /** outcome: delivered | failed | dead. */
  webhookAttempts: counter('smis_status_webhook_attempts_total', 'Webhook delivery attempts', ['outcome']),
  webhookDuration: histogram(
    'smis_status_webhook_duration_seconds',
    'Time for a webhook receiver to answer',
    ['outcome'],
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ),
  subscriptionsDisabled: counter(
    'smis_status_subscriptions_disabled_total',
    'Webhook subscriptions disabled after exhausting the retry window',
    [],
  ),
};

/**
 * Serves the `smis_status_*` metrics from `registry` (the MetricsRegistry of the application
 * hosting the status service, whose /metrics Prometheus scrapes). Calling it again, or for
 * another registry of the same process, is fine: the counters are the process's.
 */
export function registerStatusMetrics(registry: MetricsRegistry): void {
  registry.adopt(...Object.values(statusMetrics));
}
