import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { SmsChannelConfig } from './config';
import { ProviderPool } from './delivery/provider-pool';
import type { ProviderWeight } from './failover/provider-selector';
import { SmsChannelMetrics } from './metrics';
import { SmsChannelLifecycle } from './sms-channel.lifecycle';
import { SMS_CONFIG, SMS_DATA_SOURCE } from './tokens';
import {
  buildSmsCostReport,
  type CostReport,
  type CostReportQuery,
} from './usecases/cost-report/cost-report';

/** What the rest of the platform (and tests) may ask the SMS channel. */
@Injectable()
export class SmsChannelService {
  constructor(
    @Inject(SMS_CONFIG) private readonly config: SmsChannelConfig,
    @Inject(SMS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly pool: ProviderPool,
    private readonly lifecycle: SmsChannelLifecycle,
    readonly metrics: SmsChannelMetrics,
  ) {}

  costReport(query: CostReportQuery = {}): Promise<CostReport> {
    return buildSmsCostReport(this.dataSource, this.config.schema, query);
  }

  /** Live and configured failover weights. */
  providerWeights(): ProviderWeight[] {
    return this.pool.selector.weights();
  }

  /** One drift step of the failover weights back to the configured ones (the timer does this too). */
  recoverProviderWeights(): void {
    this.pool.selector.recover();
  }

  /** Settles interrupted submissions now (the timer does this too). */
  reconcileNow(): Promise<unknown> {
    return this.lifecycle.runReconcile();
  }

  /** A submission's state by source (messageId or otpRequestId), for operators and tests. No personal data. */
  async submissionState(sourceId: string): Promise<
    Array<{
      kind: string;
      attempt: number;
      state: string;
      providerId: string | null;
      segments: number | null;
      encoding: string | null;
      reason: string | null;
    }>
  > {
    const rows = (await this.dataSource.query(
      `SELECT "kind", "attempt", "state", "provider_id", "segments", "encoding", "reason"
       FROM "${this.config.schema}"."sms_submission" WHERE "source_id" = $1 ORDER BY "attempt"`,
      [sourceId],
    )) as Array<{
      kind: string;
      attempt: number;
      state: string;
      provider_id: string | null;
      segments: number | null;
      encoding: string | null;
      reason: string | null;
    }>;
    return rows.map((r) => ({
      kind: r.kind,
      attempt: r.attempt,
      state: r.state,
      providerId: r.provider_id,
      segments: r.segments,
      encoding: r.encoding,
      reason: r.reason,
    }));
  }
}
