import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Outbox } from '@smis/persistence';
import type { DataSource } from 'typeorm';
import { ProviderPool } from '../../delivery/provider-pool';
import { rowsOf, SubmissionEngine, type SubmissionRow } from '../../delivery/submission-engine';
import { SmsChannelMetrics } from '../../metrics';
import type { DeliveryReport } from '../../providers/sms-provider';
import { SMS_DATA_SOURCE, SMS_OUTBOX } from '../../tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class UnknownSubmissionError extends Error {
  override readonly name = 'UnknownSubmissionError';
}

/**
 * A provider's delivery report: the submission becomes delivered or failed (with the operator's
 * reason) and a DELIVERED / FAILED event goes out through the outbox. A repeated report changes
 * nothing; a report for a submission not known (yet) throws, so the provider sends it again.
 * The report's latency feeds the failover (slow delivery).
 */
@Injectable()
export class RecordDeliveryReportUseCase {
  private readonly logger = new Logger('SmsChannel');

  constructor(
    @Inject(SMS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SMS_OUTBOX) private readonly outbox: Outbox,
    private readonly engine: SubmissionEngine,
    private readonly pool: ProviderPool,
    private readonly metrics: SmsChannelMetrics,
  ) {}

  async execute(report: DeliveryReport): Promise<'recorded' | 'duplicate'> {
    const table = this.engine.table;
    // Both branches use an index (a cast of "id" would scan the table on every report).
    const reference = UUID.test(report.clientReference ?? '') ? report.clientReference : null;
    let [row] = (await this.dataSource.query(
      `SELECT * FROM ${table} WHERE "provider_id" = $1 AND ("provider_message_id" = $2 OR ("id" = $3::uuid AND "provider_message_id" IS NULL))`,
      [report.providerId, report.providerMessageId, reference],
    )) as SubmissionRow[];
    if (!row) {
      this.metrics.reports.inc({ provider: report.providerId, outcome: 'unmatched' });
      throw new UnknownSubmissionError(`No submission ${report.providerMessageId} at ${report.providerId}`);
    }
    if (row.state === 'submitting') {
      // The report overtook the provider's answer (or the answer was lost in a crash): the
      // provider has the message, so record that first.
      await this.engine.markSubmitted(
        row,
        report.providerId,
        report.providerMessageId,
        row.segments ?? 1,
        row.encoding ?? undefined,
      );
      row = (await this.engine.byId(row.id)) ?? row;
    }
    const state = report.outcome === 'DELIVERED' ? 'delivered' : 'failed';
    const reason = report.outcome === 'FAILED' ? (report.reason ?? 'sms.operator.failed') : null;
    const applied = await this.dataSource.transaction(async (manager) => {
      const updated = rowsOf(
        (await manager.query(
          `UPDATE ${table} SET "state" = $2, "reason" = $3, "reported_at" = now(), "updated_at" = now(),
             "provider_message_id" = COALESCE("provider_message_id", $4)
           WHERE "id" = $1 AND "state" IN ('submitted', 'submitting') RETURNING "id"`,
          [row.id, state, reason, report.providerMessageId],
        )) as unknown[],
      );
      if (!updated.length) return false;
      await this.engine.addEvent(manager, row, report.outcome, reason);
      return true;
    });
    if (!applied) return 'duplicate';
    this.outbox.notify();
    this.metrics.reports.inc({ provider: report.providerId, outcome: report.outcome.toLowerCase() });
    if (row.submitted_at) {
      const latencyMs = Math.max(0, (report.doneAt ?? Date.now()) - new Date(row.submitted_at).getTime());
      this.metrics.reportLatency.observe({ provider: report.providerId }, latencyMs / 1000);
      this.pool.selector.observeReport(report.providerId, latencyMs);
    }
    this.logger.debug?.(`Submission ${row.id}: ${report.outcome}${reason ? ` (${reason})` : ''}`);
    return 'recorded';
  }
}
