import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '@smis/messaging';
import type { DataSource } from 'typeorm';
import type { SmsChannelConfig } from '../../config';
import { SubmissionEngine, type SubmissionRow } from '../../delivery/submission-engine';
import { SMS_CONFIG, SMS_DATA_SOURCE } from '../../tokens';

export interface ReconcileResult {
  examined: number;
  submitted: number;
  failed: number;
  resent: number;
}

/**
 * Submissions left in `submitting` longer than `reconcile.staleAfterMs` (a crash, a timeout):
 * each is settled by asking its provider by client reference (docs/adr/0701). Runs at start-up
 * and every `reconcile.intervalMs`.
 */
@Injectable()
export class ReconcileSubmissionsUseCase {
  private readonly logger = new Logger('SmsChannel');

  constructor(
    @Inject(SMS_CONFIG) private readonly config: SmsChannelConfig,
    @Inject(SMS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly engine: SubmissionEngine,
  ) {}

  async execute(limit = 50): Promise<ReconcileResult> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.engine.table}
       WHERE "state" = 'submitting' AND "updated_at" <= now() - ($1::text || ' milliseconds')::interval
       ORDER BY "updated_at" LIMIT $2`,
      [String(this.config.reconcile.staleAfterMs), limit],
    )) as SubmissionRow[];
    const result: ReconcileResult = { examined: rows.length, submitted: 0, failed: 0, resent: 0 };
    for (const row of rows) {
      try {
        const outcome = await this.engine.reconcile(row);
        if (outcome === 'submitted') {
          const after = await this.engine.byId(row.id);
          if (after?.provider_message_id) result.submitted++;
        } else if (outcome === 'failed') result.failed++;
      } catch (error) {
        this.logger.warn(`Reconciling submission ${row.id}: ${describeError(error)}`);
      }
    }
    return result;
  }
}
