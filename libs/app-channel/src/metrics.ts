import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (
    (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames })
  );
}

export const appChannelMetrics = {
  /** outcome: stored | duplicate | expired | no-device | invalid. */
  jobs: counter('smis_app_channel_jobs_total', 'App channel jobs consumed', ['outcome']),
  /** provider, outcome: sent | gone | failed. */
  pushes: counter('smis_app_channel_pushes_total', 'Push notifications sent', ['provider', 'outcome']),
  /** outcome: accepted | rejected. */
  deviceRequests: counter('smis_app_channel_device_requests_total', 'Signed device requests', ['outcome']),
  live: counter('smis_app_channel_live_deliveries_total', 'Messages offered over a live connection', []),
};
