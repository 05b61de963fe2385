import { Injectable, Optional } from '@nestjs/common';
import { MetricsRegistry } from '@smis/observability';
import type { Counter, Gauge, Histogram } from 'prom-client';

/**
 * `smis_sms_channel_*` metrics. Registered on the platform's MetricsRegistry when the
 * MetricsModule is loaded, on a private registry otherwise.
 */
@Injectable()
export class SmsChannelMetrics {
  readonly registry: MetricsRegistry;
  /** outcome: accepted | unavailable | rejected | unknown. */
  readonly submissions: Counter<'provider' | 'outcome'>;
  readonly segments: Counter<'provider'>;
  readonly senderSegments: Counter<'sender' | 'encoding'>;
  readonly cost: Counter<'provider' | 'sender'>;
  readonly smsAvoided: Counter<'sender'>;
  readonly reports: Counter<'provider' | 'outcome'>;
  readonly reportLatency: Histogram<'provider'>;
  readonly providerWeight: Gauge<'provider'>;

  constructor(@Optional() registry?: MetricsRegistry) {
    this.registry = registry ?? new MetricsRegistry({ defaultMetrics: false });
    const m = this.registry.service('sms_channel');
    // Names and labels of the first three as in the platform's metric catalog (SERVICE_METRICS).
    this.submissions = m.counter(
      'messages_sent_total',
      'SMS handed to the provider, by provider and outcome.',
      ['provider', 'outcome'],
    );
    this.segments = m.counter('segments_sent_total', 'SMS segments billed by the provider.', ['provider']);
    this.cost = m.counter('cost_euros_total', 'What the SMS sent cost, in euros, per sender.', [
      'provider',
      'sender',
    ]);
    this.senderSegments = m.counter('sender_segments_total', 'SMS segments sent per sender and encoding', [
      'sender',
      'encoding',
    ]);
    this.smsAvoided = m.counter('sms_avoided_total', 'Messages the app delivered, so no SMS was sent', [
      'sender',
    ]);
    this.reports = m.counter('delivery_reports_total', 'Delivery reports received', ['provider', 'outcome']);
    this.reportLatency = m.histogram(
      'delivery_report_latency_seconds',
      'Time from submission to delivery report',
      ['provider'],
      [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    );
    this.providerWeight = m.gauge('provider_weight', 'Live failover weight of each SMS provider', [
      'provider',
    ]);
  }
}
