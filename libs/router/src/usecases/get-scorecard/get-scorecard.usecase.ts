import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { tableOf } from '../../plan/transaction';
import { ROUTER_DATA_SOURCE } from '../../tokens';
import { GetScorecardCommand, type SenderScorecard } from './get-scorecard.command';

const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : 0);

@Injectable()
export class GetScorecardUseCase {
  constructor(@Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async execute(command: GetScorecardCommand): Promise<SenderScorecard> {
    const manager = this.dataSource.manager;
    const message = tableOf(manager, 'message');
    const [totals] = (await manager.query(
      `SELECT count(*)::int AS volume,
              count(*) FILTER (WHERE "decision" = 'ACCEPTED')::int AS accepted,
              count(*) FILTER (WHERE "decision" = 'DEFERRED')::int AS deferred,
              count(*) FILTER (WHERE "decision" IN ('REJECTED', 'DUPLICATE'))::int AS rejected,
              count(*) FILTER (WHERE "delivered_at" IS NOT NULL)::int AS delivered,
              count(*) FILTER (WHERE "read_at" IS NOT NULL)::int AS read,
              count(*) FILTER (WHERE "outcome" = 'FAILED')::int AS failed,
              count(*) FILTER (WHERE "outcome" = 'EXPIRED')::int AS expired,
              count(DISTINCT "recipient") FILTER (WHERE "decision" IN ('ACCEPTED', 'DEFERRED'))::int AS citizens
       FROM ${message} WHERE "sender_id" = $1 AND "received_at" >= $2`,
      [command.senderId, command.since],
    )) as Record<string, number>[];
    const reasons = (await manager.query(
      `SELECT "reason", count(*)::int AS count FROM ${message}
       WHERE "sender_id" = $1 AND "received_at" >= $2 AND "decision" IN ('REJECTED', 'DUPLICATE')
       GROUP BY "reason" ORDER BY "reason"`,
      [command.senderId, command.since],
    )) as { reason: string; count: number }[];
    const [{ muted }] = (await manager.query(
      `SELECT count(*)::int AS muted FROM ${tableOf(manager, 'preference')} WHERE $1 = ANY("muted_senders")`,
      [command.senderId],
    )) as { muted: number }[];
    const taken = totals.accepted + totals.deferred;
    return {
      senderId: command.senderId,
      since: new Date(command.since).toISOString(),
      volume: totals.volume,
      accepted: totals.accepted,
      deferred: totals.deferred,
      rejected: totals.rejected,
      rejectionsByReason: Object.fromEntries(reasons.map((r) => [r.reason, r.count])),
      delivered: totals.delivered,
      read: totals.read,
      failed: totals.failed,
      expired: totals.expired,
      deliveryRate: ratio(totals.delivered, taken),
      readRate: ratio(totals.read, totals.delivered),
      mutedBy: muted,
      citizensReached: totals.citizens,
      muteRate: ratio(muted, totals.citizens),
    };
  }
}
