import { Injectable, Optional } from '@nestjs/common';
import type { DeliveryEvent } from '@smis/contracts';
import { MetricsRegistry } from '@smis/observability';
import type { Counter } from 'prom-client';

/**
 * `smis_router_*` metrics (names and labels as in the platform's metric catalog, which the
 * dashboards and alert rules in deploy/observability use). Fed with the events of each
 * committed transaction, so a rolled-back decision is never counted.
 */
@Injectable()
export class RouterMetrics {
  readonly registry: MetricsRegistry;
  private readonly decisions: Counter<'sender' | 'decision' | 'reason'>;
  private readonly planned: Counter<'channel'>;
  private readonly fallbacks: Counter<'from' | 'to' | 'reason'>;

  constructor(@Optional() registry?: MetricsRegistry) {
    this.registry = registry ?? new MetricsRegistry({ defaultMetrics: false });
    const m = this.registry.service('router');
    this.decisions = m.counter(
      'policy_decisions_total',
      'Code-of-conduct decisions (accepted, deferred, rejected) with the reason.',
      ['sender', 'decision', 'reason'],
    );
    this.planned = m.counter('messages_planned_total', 'Messages the router planned, by first channel.', [
      'channel',
    ]);
    this.fallbacks = m.counter(
      'fallbacks_total',
      'Messages moved to a fallback channel, from one channel to another, with the reason.',
      ['from', 'to', 'reason'],
    );
  }

  observe(events: readonly DeliveryEvent[]): void {
    for (const e of events) {
      switch (e.status) {
        case 'ACCEPTED':
        case 'DEFERRED':
        case 'REJECTED':
          this.decisions.inc({ sender: e.senderId, decision: e.status, reason: e.reason ?? 'none' });
          break;
        case 'ROUTED':
          if (e.channel) this.planned.inc({ channel: e.channel });
          break;
        case 'FALLBACK':
          this.fallbacks.inc({
            from: e.fromChannel ?? 'none',
            to: e.toChannel ?? 'none',
            reason: e.reason ?? 'none',
          });
          break;
        default:
          break;
      }
    }
  }
}
