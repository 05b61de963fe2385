import type { DeliveryEvent } from '@smis/contracts';
import { describe, expect, it } from 'vitest';
import { RouterMetrics } from './metrics';

const event = (fields: Partial<DeliveryEvent>): DeliveryEvent => ({
  eventId: 'e',
  messageId: 'm',
  senderId: 'tax',
  status: 'ACCEPTED',
  channel: null,
  reason: null,
  fromChannel: null,
  toChannel: null,
  deviceId: null,
  planId: null,
  attempt: null,
  occurredAt: 0,
  producer: 'router',
  ...fields,
});

describe('router metrics', () => {
  it('counts decisions by reason, planned first channels and fallbacks', async () => {
    const metrics = new RouterMetrics();
    metrics.observe([
      event({ status: 'ACCEPTED' }),
      event({ status: 'REJECTED', reason: 'policy.daily-quota' }),
      event({ status: 'REJECTED', reason: 'policy.daily-quota' }),
      event({ status: 'ROUTED', channel: 'APP' }),
      event({
        status: 'FALLBACK',
        fromChannel: 'APP',
        toChannel: 'SMS',
        reason: 'app.not-delivered-in-window',
      }),
      event({ status: 'DISPATCHED', channel: 'APP' }),
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /smis_router_policy_decisions_total\{[^}]*decision="REJECTED"[^}]*reason="policy\.daily-quota"[^}]*\} 2/,
    );
    expect(text).toMatch(/smis_router_policy_decisions_total\{[^}]*decision="ACCEPTED"[^}]*\} 1/);
    expect(text).toMatch(/smis_router_messages_planned_total\{[^}]*channel="APP"[^}]*\} 1/);
    expect(text).toMatch(/smis_router_fallbacks_total\{[^}]*from="APP"[^}]*to="SMS"[^}]*\} 1/);
  });
});
