import { Counter, Histogram, register } from 'prom-client';

// Get-or-create: one process may host the module more than once (tests), and the default
// registry refuses a second metric of the same name.
function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (
    (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames })
  );
}

function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> {
  return (
    (register.getSingleMetric(name) as Histogram<string> | undefined) ??
    new Histogram({ name, help, labelNames, buckets })
  );
}

export const statusMetrics = {
  /** outcome: recorded | duplicate. */
  events: counter('smis_status_events_total', 'Delivery events consumed by the status service', [
    'outcome',
    'status',
  ]),
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
