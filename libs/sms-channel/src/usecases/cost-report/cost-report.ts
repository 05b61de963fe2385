import type { DataSource } from 'typeorm';

/** What SMS cost one sender in a period, and how many the app made unnecessary. */
export interface SenderCostLine {
  senderId: string;
  /** SMS handed to a provider (submitted, delivered or failed after submission). */
  messages: number;
  segments: number;
  /** Euros: segments × the provider's price per segment at the time. */
  costEur: number;
  delivered: number;
  failed: number;
  /** Messages the app delivered, so no SMS was sent. */
  smsAvoided: number;
  byProvider: Array<{ providerId: string; messages: number; segments: number; costEur: number }>;
}

export interface CostReport {
  from: string | null;
  to: string | null;
  senders: SenderCostLine[];
  totals: { messages: number; segments: number; costEur: number; smsAvoided: number };
}

export interface CostReportQuery {
  /** Inclusive lower bound (ISO 8601 or Date). */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  senderId?: string;
}

/** OTP submissions have no sender; they are reported under this id. */
export const ENROLMENT_OTP_SENDER = 'enrolment-otp';

const round = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * The per-sender cost report over the SMS channel's schema (also served as
 * `GET /v1/sms/reports/cost`). Works on any DataSource that can read the schema.
 */
export async function buildSmsCostReport(
  dataSource: DataSource,
  schema: string,
  query: CostReportQuery = {},
): Promise<CostReport> {
  const params = [query.from ?? null, query.to ?? null, query.senderId ?? null];
  const submitted = (await dataSource.query(
    `SELECT COALESCE("sender_id", '${ENROLMENT_OTP_SENDER}') AS sender, "provider_id" AS provider,
            count(*)::int AS messages, COALESCE(sum("segments"), 0)::int AS segments,
            COALESCE(sum("cost_eur"), 0)::float8 AS cost,
            count(*) FILTER (WHERE "state" = 'delivered')::int AS delivered,
            count(*) FILTER (WHERE "state" = 'failed')::int AS failed
     FROM "${schema}"."sms_submission"
     WHERE "submitted_at" IS NOT NULL
       AND ($1::timestamptz IS NULL OR "submitted_at" >= $1) AND ($2::timestamptz IS NULL OR "submitted_at" < $2)
       AND ($3::text IS NULL OR COALESCE("sender_id", '${ENROLMENT_OTP_SENDER}') = $3)
     GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  )) as Array<{
    sender: string;
    provider: string;
    messages: number;
    segments: number;
    cost: number;
    delivered: number;
    failed: number;
  }>;
  const avoided = (await dataSource.query(
    `SELECT "sender_id" AS sender, count(*)::int AS avoided FROM "${schema}"."sms_avoided"
     WHERE ($1::timestamptz IS NULL OR "occurred_at" >= $1) AND ($2::timestamptz IS NULL OR "occurred_at" < $2)
       AND ($3::text IS NULL OR "sender_id" = $3)
     GROUP BY 1`,
    params,
  )) as Array<{ sender: string; avoided: number }>;
  const lines = new Map<string, SenderCostLine>();
  const line = (senderId: string): SenderCostLine => {
    let l = lines.get(senderId);
    if (!l) {
      l = {
        senderId,
        messages: 0,
        segments: 0,
        costEur: 0,
        delivered: 0,
        failed: 0,
        smsAvoided: 0,
        byProvider: [],
      };
      lines.set(senderId, l);
    }
    return l;
  };
  for (const r of submitted) {
    const l = line(r.sender);
    l.messages += r.messages;
    l.segments += r.segments;
    l.costEur = round(l.costEur + Number(r.cost));
    l.delivered += r.delivered;
    l.failed += r.failed;
    l.byProvider.push({
      providerId: r.provider,
      messages: r.messages,
      segments: r.segments,
      costEur: round(Number(r.cost)),
    });
  }
  for (const r of avoided) line(r.sender).smsAvoided = r.avoided;
  const senders = [...lines.values()].sort((a, b) => a.senderId.localeCompare(b.senderId));
  return {
    from: query.from?.toISOString() ?? null,
    to: query.to?.toISOString() ?? null,
    senders,
    totals: {
      messages: senders.reduce((s, l) => s + l.messages, 0),
      segments: senders.reduce((s, l) => s + l.segments, 0),
      costEur: round(senders.reduce((s, l) => s + l.costEur, 0)),
      smsAvoided: senders.reduce((s, l) => s + l.smsAvoided, 0),
    },
  };
}
