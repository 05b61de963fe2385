// @smis/observability: Prometheus metrics, structured JSON logs without personal data, W3C trace
// context across Kafka hops, and Kubernetes health probes, for every service.
export {
  HTTP_METRICS,
  MESSAGING_METRICS,
  METRIC_CATALOG,
  metricName,
  SERVICE_METRICS,
  type MetricDefinition,
} from './metrics/metric-catalog';
export {
  DURATION_BUCKETS,
  MetricsRegistry,
  type MetricsRegistryOptions,
  type ServiceMetrics,
} from './metrics/metrics-registry';
export {
  ConsumerLagMonitor,
  consumerMetricHooks,
  InstrumentedProducer,
  instrumentConsumer,
  instrumentProducer,
  MessagingMetrics,
  type ConsumerLagMonitorOptions,
  type LagAdmin,
  type LagTarget,
} from './metrics/messaging-metrics';
export {
  MessagingInstrumentation,
  METRICS_OPTIONS,
  MetricsModule,
  type MetricsModuleOptions,
} from './metrics/metrics.module';

export {
  isPersonalDataKey,
  PERSONAL_DATA_KEYS,
  REDACTED,
  redactPersonalData,
  scrubText,
} from './logging/redaction';
export { currentLogContext, runWithLogContext, type LogContext } from './logging/log-context';
export {
  createStructuredLogger,
  PinoLoggerService,
  pinoMessagingLogger,
  type StructuredLoggerOptions,
} from './logging/pino-logger';

export {
  childSpan,
  formatTraceparent,
  isSampled,
  parseTraceparent,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  type TraceContext,
} from './tracing/traceparent';
export {
  currentTraceContext,
  extractTraceContext,
  injectTraceHeaders,
  runWithTraceContext,
  traceConsumerOptions,
  tracedBatchHandler,
  tracedHandler,
  traceHeaders,
  traceOutboxWrites,
  traceParentFor,
  TracingProducer,
  tracingProducer,
  type TraceableOutbox,
  type TraceableOutboxEntry,
  type TracedHandlerOptions,
} from './tracing/trace-propagation';
export {
  observeMessaging,
  TracingConsumerRegistry,
  type MessagingObservabilityOptions,
} from './messaging-observability';

export {
  HEALTH_PROBES_OPTIONS,
  HealthProbesModule,
  kafkaReadiness,
  type HealthProbesAsyncOptions,
  type HealthProbesOptions,
} from './health/health-probes.module';
