/**
 * Every metric name the platform's dashboards and alerts rely on. Those under `implemented` are
 * produced by this library; `services` are the names service libraries must use for what only
 * they know (a test checks deploy/observability refers to nothing else).
 */
export interface MetricDefinition {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: readonly string[];
}

export const MESSAGING_METRICS = {
  messagesIn: {
    name: 'smis_messaging_messages_in_total',
    type: 'counter',
    help: 'Records a consumer handled, by outcome: processed, retried or dead_lettered.',
    labels: ['group', 'topic', 'outcome'],
  },
  messagesOut: {
    name: 'smis_messaging_messages_out_total',
    type: 'counter',
    help: 'Records published through an instrumented producer, per topic.',
    labels: ['topic'],
  },
  publishFailures: {
    name: 'smis_messaging_publish_failures_total',
    type: 'counter',
    help: 'Publish calls that failed after the producer retries.',
    labels: ['topic', 'error'],
  },
  retries: {
    name: 'smis_messaging_retries_total',
    type: 'counter',
    help: 'Records sent to a retry topic after a retriable failure.',
    labels: ['group', 'topic'],
  },
  deadLetters: {
    name: 'smis_messaging_dead_letters_total',
    type: 'counter',
    help: 'Records sent to the dead-letter topic.',
    labels: ['group', 'topic', 'error'],
  },
  handlerDuration: {
    name: 'smis_messaging_handler_duration_seconds',
    type: 'histogram',
    help: 'Time a handler took for a record it processed.',
    labels: ['group', 'topic'],
  },
  consumerCrashes: {
    name: 'smis_messaging_consumer_crashes_total',
    type: 'counter',
    help: 'Times the Kafka client stopped a consumer on an error.',
    labels: ['group', 'restarting'],
  },
  consumerLag: {
    name: 'smis_messaging_consumer_lag',
    type: 'gauge',
    help: 'Records not yet consumed: high watermark minus the committed offset, per partition.',
    labels: ['group', 'topic', 'partition'],
  },
} as const satisfies Record<string, MetricDefinition>;

export const HTTP_METRICS = {
  requests: {
    name: 'smis_http_requests_total',
    type: 'counter',
    help: 'HTTP requests answered, by route template and status code.',
    labels: ['method', 'route', 'status'],
  },
  duration: {
    name: 'smis_http_request_duration_seconds',
    type: 'histogram',
    help: 'Time to answer an HTTP request.',
    labels: ['method', 'route'],
  },
} as const satisfies Record<string, MetricDefinition>;

/** What services must name their own metrics, for the dashboards and alerts in deploy/observability. */
export const SERVICE_METRICS = {
  fallbacks: {
    name: 'smis_router_fallbacks_total',
    type: 'counter',
    help: 'Messages moved to a fallback channel, from one channel to another, with the reason.',
    labels: ['from', 'to', 'reason'],
  },
  planned: {
    name: 'smis_router_messages_planned_total',
    type: 'counter',
    help: 'Messages the router planned, by first channel.',
    labels: ['channel'],
  },
  decisions: {
    name: 'smis_router_policy_decisions_total',
    type: 'counter',
    help: 'Code-of-conduct decisions (accepted, deferred, rejected) with the reason.',
    labels: ['sender', 'decision', 'reason'],
  },
  smsSent: {
    name: 'smis_sms_channel_messages_sent_total',
    type: 'counter',
    help: 'SMS handed to the provider, by provider and outcome.',
    labels: ['provider', 'outcome'],
  },
  smsSegments: {
    name: 'smis_sms_channel_segments_sent_total',
    type: 'counter',
    help: 'SMS segments billed by the provider.',
    labels: ['provider'],
  },
  smsCost: {
    name: 'smis_sms_channel_cost_euros_total',
    type: 'counter',
    help: 'What the SMS sent cost, in euros, per sender.',
    labels: ['provider', 'sender'],
  },
  pushFailures: {
    name: 'smis_app_channel_push_failures_total',
    type: 'counter',
    help: 'Push notifications the push service refused or that failed after the retries, by provider and reason.',
    labels: ['provider', 'reason'],
  },
  dispatchLatency: {
    name: 'smis_app_channel_dispatch_latency_seconds',
    type: 'histogram',
    help: 'From a job received by the app channel to its notification accepted by the push service (or offered over a live connection).',
    labels: ['via'],
  },
} as const satisfies Record<string, MetricDefinition>;

export const METRIC_CATALOG: readonly MetricDefinition[] = [
  ...Object.values(MESSAGING_METRICS),
  ...Object.values(HTTP_METRICS),
  ...Object.values(SERVICE_METRICS),
];

const SERVICE = /^[a-z][a-z0-9_]*$/;
const NAME = /^[a-z][a-z0-9_]*$/;

/** `smis_<service>_<name>`, with the service's dashes turned into underscores. */
export function metricName(service: string, name: string): string {
  const normalized = service.replace(/-/g, '_');
  if (!SERVICE.test(normalized))
    throw new TypeError(
      `Invalid service ${JSON.stringify(service)} for a metric name: use a-z, 0-9, '-' and '_'`,
    );
  if (!NAME.test(name) || name.startsWith('smis_'))
    throw new TypeError(
      `Invalid metric name ${JSON.stringify(name)}: a-z, 0-9 and '_', without the smis_<service>_ prefix`,
    );
  return `smis_${normalized}_${name}`;
}
