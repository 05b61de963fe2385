import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AvroCodec, DeliveryEvent, DeliveryStatus } from '@smis/contracts';
import { createSodiumEnvelopeCrypto, type ChannelKeyPair } from '@smis/crypto';
import { NonRetriableError, RetriableError, describeError } from '@smis/messaging';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import { parseLocalPseudonym } from '@smis/pseudonym';
import type { SenderRegistry } from '@smis/senders';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { SmsChannelConfig } from '../config';
import { ChannelSecrets, isE164 } from '../crypto/channel-secrets';
import { analyzeSms, type SmsAnalysis } from '../encoding/sms-encoding';
import type { SubmissionState } from '../entities';
import { SmsChannelMetrics } from '../metrics';
import {
  ProviderOutcomeUnknownError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from '../providers/sms-provider';
import { SMS_CODEC, SMS_CONFIG, SMS_DATA_SOURCE, SMS_HOOKS, SMS_OUTBOX, SMS_SENDERS } from '../tokens';
import { ProviderPool } from './provider-pool';

/** Test seams: fault injection at the points a crash would hurt most. */
export interface SmsChannelHooks {
  /** Called after a provider accepted a message and before that is recorded. Throwing here is a crash. */
  afterProviderAccepted?(clientReference: string): void | Promise<void>;
}

/** A submission row as the engine reads it (snake_case from SQL). */
export interface SubmissionRow {
  id: string;
  kind: 'message' | 'otp';
  source_id: string;
  attempt: number;
  sender_id: string | null;
  plan_id: string | null;
  state: SubmissionState;
  expires_at: string;
  sealed_text: Buffer | null;
  sealed_number: Buffer | null;
  local_pseudonym: string | null;
  provider_id: string | null;
  provider_message_id: string | null;
  segments: number | null;
  encoding: string | null;
  submitted_at: Date | null;
  updated_at: Date;
}

export type EngineOutcome = 'submitted' | 'duplicate' | 'failed' | 'expired' | 'in-flight' | 'unknown';

const FINAL: readonly SubmissionState[] = ['submitted', 'delivered', 'failed', 'expired'];

/**
 * The idempotent submission of one SMS (docs/adr/0701-idempotent-sms-submission.md):
 * a row per (kind, source, attempt) moves pending → submitting (recorded before the provider
 * call, naming the provider) → submitted (with the provider's message id) → delivered | failed.
 * A row left in `submitting` by a crash is never blindly resubmitted: `reconcile` asks the
 * provider by client reference first.
 */
@Injectable()
export class SubmissionEngine {
  private readonly logger = new Logger('SmsChannel');
  private readonly crypto = createSodiumEnvelopeCrypto();
  private readonly channelKeyPair: ChannelKeyPair;
  readonly table: string;

  constructor(
    @Inject(SMS_CONFIG) private readonly config: SmsChannelConfig,
    @Inject(SMS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SMS_OUTBOX) private readonly outbox: Outbox,
    @Inject(SMS_CODEC) private readonly codec: AvroCodec,
    @Inject(SMS_SENDERS) private readonly senders: SenderRegistry,
    @Inject(SMS_HOOKS) private readonly hooks: SmsChannelHooks,
    private readonly secrets: ChannelSecrets,
    private readonly pool: ProviderPool,
    private readonly metrics: SmsChannelMetrics,
  ) {
    this.table = `"${config.schema}"."sms_submission"`;
    this.channelKeyPair = {
      keyId: config.channelKey.keyId,
      publicKey: new Uint8Array(config.channelKey.publicKey),
      secretKey: new Uint8Array(config.channelKey.secretKey),
    };
  }

  /**
   * Files submissions once each (a redelivered job finds its row), in two statements for all;
   * returns their rows in the order given.
   */
  async fileMany(rows: readonly SubmissionToFile[]): Promise<SubmissionRow[]> {
    if (rows.length === 0) return [];
    await this.dataSource.query(
      `INSERT INTO ${this.table} ("id", "kind", "source_id", "attempt", "sender_id", "plan_id", "state", "expires_at",
         "sealed_text", "sealed_number", "local_pseudonym")
       SELECT r."id", r."kind", r."source_id", r."attempt", r."sender_id", r."plan_id", 'pending', r."expires_at",
         r."sealed_text", r."sealed_number", r."local_pseudonym"
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bigint[], $8::bytea[],
                   $9::bytea[], $10::text[])
         AS r("id", "kind", "source_id", "attempt", "sender_id", "plan_id", "expires_at", "sealed_text",
              "sealed_number", "local_pseudonym")
       ON CONFLICT ("kind", "source_id", "attempt") DO NOTHING`,
      [
        rows.map(() => randomUUID()),
        rows.map((r) => r.kind),
        rows.map((r) => r.sourceId),
        rows.map((r) => r.attempt),
        rows.map((r) => r.senderId),
        rows.map((r) => r.planId),
        rows.map((r) => r.expiresAt),
        rows.map((r) => r.sealedText),
        rows.map((r) => r.sealedNumber),
        rows.map((r) => r.localPseudonym),
      ],
    );
    const found = (await this.dataSource.query(
      `SELECT s.* FROM ${this.table} AS s
       JOIN unnest($1::text[], $2::text[], $3::int[]) AS k("kind", "source_id", "attempt")
         ON s."kind" = k."kind" AND s."source_id" = k."source_id" AND s."attempt" = k."attempt"`,
      [rows.map((r) => r.kind), rows.map((r) => r.sourceId), rows.map((r) => r.attempt)],
    )) as SubmissionRow[];
    const byKey = new Map(found.map((r) => [`${r.kind} ${r.source_id} ${r.attempt}`, r]));
    return rows.map((r) => {
      const row = byKey.get(`${r.kind} ${r.sourceId} ${r.attempt}`);
      if (!row) throw new RetriableError(`Submission ${r.kind} ${r.sourceId} was not filed`);
      return row;
    });
  }

  /** Files a submission once (a redelivered job finds the row) and returns it. */
  async file(row: SubmissionToFile): Promise<SubmissionRow> {
    const [filed] = await this.fileMany([row]);
    return filed;
  }

  async byId(id: string): Promise<SubmissionRow | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM ${this.table} WHERE "id" = $1`, [
      id,
    ])) as SubmissionRow[];
    return row;
  }

  /**
   * Moves filed submissions on as far as they can go now, a batch at a time: the phone numbers in
   * one statement, the claims (each row with the first provider of its own failover order) in one,
   * the provider calls concurrently (at most `jobConcurrency` at once), and the accepted ones
   * recorded in one transaction. A row that is not pending, expired, unreadable, or whose first
   * provider did not take it goes on alone, exactly as `process` would. Returns each row's outcome,
   * in order; a rejection is that row's failure (retried or dead-lettered by its job alone).
   */
  async processMany(rows: readonly SubmissionRow[]): Promise<PromiseSettledResult<EngineOutcome>[]> {
    // Each row's outcome, settled as soon as it is known (a rejection is never left unhandled).
    const results: Array<Promise<PromiseSettledResult<EngineOutcome>> | undefined> = rows.map(
      () => undefined,
    );
    const fresh: number[] = [];
    const seen = new Set<string>();
    rows.forEach((row, i) => {
      // The same job twice in a wave (a resent record): the first one moves it on.
      if (seen.has(row.id)) results[i] = settled(Promise.resolve('duplicate'));
      else if (row.state === 'pending' && Date.now() <= Number(row.expires_at)) fresh.push(i);
      else results[i] = settled(this.process(row));
      seen.add(row.id);
    });
    const numbers = await this.numbersOf(fresh.map((i) => rows[i]));
    const ready: ReadyRow[] = [];
    for (const i of fresh) {
      const row = rows[i];
      const to = numbers.get(row.id);
      let text: string | undefined;
      try {
        if (to) text = this.openText(row);
      } catch {
        text = undefined;
      }
      const providers = this.pool.selector.order();
      // Unreadable, no number or no provider: the one-row path ends it with its reason.
      if (!to || text === undefined || providers.length === 0) results[i] = settled(this.submitPending(row));
      else ready.push({ index: i, row, to, text, analysis: analyzeSms(text), providers });
    }
    if (ready.length > 0) {
      const claimed = new Set(
        (
          rowsOf(
            await this.dataSource.query(
              `UPDATE ${this.table} AS s SET "state" = 'submitting', "provider_id" = c."provider_id",
                 "encoding" = c."encoding", "segments" = c."segments", "updated_at" = now()
               FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[]) AS c("id", "provider_id", "encoding", "segments")
               WHERE s."id" = c."id" AND s."state" = 'pending' RETURNING s."id"`,
              [
                ready.map((r) => r.row.id),
                ready.map((r) => r.providers[0]),
                ready.map((r) => r.analysis.encoding),
                ready.map((r) => r.analysis.segments),
              ],
            ),
          ) as Array<{ id: string }>
        ).map((r) => r.id),
      );
      const accepted: AcceptedSubmission[] = [];
      await forEachConcurrently(ready, this.config.jobConcurrency, async (item) => {
        const providerId = item.providers[0];
        if (!claimed.has(item.row.id)) {
          results[item.index] = settled(Promise.resolve('in-flight'));
          return;
        }
        let attempt: Awaited<ReturnType<SubmissionEngine['attempt']>>;
        try {
          attempt = await this.attempt(item.row, providerId, item.to, item.text, item.analysis);
          if (attempt.kind === 'accepted') await this.hooks.afterProviderAccepted?.(item.row.id);
        } catch (error) {
          results[item.index] = settled(Promise.reject(error));
          return;
        }
        if (attempt.kind === 'accepted') {
          accepted.push({
            row: item.row,
            providerId,
            providerMessageId: attempt.providerMessageId,
            segments: item.analysis.segments,
            encoding: item.analysis.encoding,
          });
          results[item.index] = settled(Promise.resolve('submitted'));
        } else if (attempt.kind === 'next') {
          // The first provider did not take it (the row is pending again): the others, one by one.
          results[item.index] = settled(
            this.submitTo(item.row, item.providers.slice(1), item.to, item.text, item.analysis, [providerId]),
          );
        } else {
          results[item.index] = settled(Promise.resolve(attempt.outcome));
        }
      });
      await this.markSubmittedMany(accepted);
    }
    return Promise.all(
      results.map((r) => r ?? settled(Promise.reject(new Error('SMS submission left without an outcome')))),
    );
  }

  /** Each row's phone number (E.164), by row id: sealed in the row, or registered (one statement). */
  private async numbersOf(rows: readonly SubmissionRow[]): Promise<Map<string, string>> {
    const numbers = new Map<string, string>();
    const pseudonyms = [
      ...new Set(
        rows
          .filter((r) => !r.sealed_number && r.local_pseudonym && isLocalPseudonym(r.local_pseudonym))
          .map((r) => r.local_pseudonym as string),
      ),
    ];
    const boxes = new Map<string, Buffer | null>();
    if (pseudonyms.length > 0) {
      const found = (await this.dataSource.query(
        `SELECT "local_pseudonym", "number_box" FROM "${this.config.schema}"."phone_number" WHERE "local_pseudonym" = ANY($1::text[])`,
        [pseudonyms],
      )) as Array<{ local_pseudonym: string; number_box: Buffer | null }>;
      for (const f of found) boxes.set(f.local_pseudonym, f.number_box);
    }
    for (const row of rows) {
      let number: string | undefined;
      try {
        if (row.sealed_number) number = this.secrets.openSealed(row.sealed_number)?.toString('utf8');
        else if (row.local_pseudonym) {
          const box = boxes.get(row.local_pseudonym);
          number = box ? this.secrets.decryptAtRest(box) : undefined;
        }
      } catch {
        number = undefined; // the one-row path meets the same error, for this row alone
      }
      if (number && isE164(number)) numbers.set(row.id, number);
    }
    return numbers;
  }

  /** Moves a filed submission on as far as it can go now. */
  async process(row: SubmissionRow): Promise<EngineOutcome> {
    if (FINAL.includes(row.state)) return 'duplicate';
    if (row.state === 'submitting') {
      const age = Date.now() - new Date(row.updated_at).getTime();
      if (age < this.config.reconcile.staleAfterMs) return 'in-flight';
      return this.reconcile(row);
    }
    return this.submitPending(row);
  }

  private async submitPending(row: SubmissionRow): Promise<EngineOutcome> {
    if (Date.now() > Number(row.expires_at)) {
      await this.finish(row, 'expired', 'sms.expired-before-sending', 'EXPIRED');
      return 'expired';
    }
    const to = await this.resolveNumber(row);
    if (!to) {
      await this.finish(row, 'failed', 'sms.no-phone-number', 'FAILED');
      return 'failed';
    }
    let text: string;
    try {
      text = this.openText(row);
    } catch (error) {
      const reason = (error as { code?: string }).code ?? 'sms.text-unreadable';
      await this.finish(row, 'failed', reason, 'FAILED');
      throw new NonRetriableError(
        `SMS text of ${row.kind} ${row.source_id} rejected: ${describeError(error)}`,
      );
    }
    const analysis = analyzeSms(text);
    return this.submitTo(row, this.pool.selector.order(), to, text, analysis, []);
  }

  /** Tries `providers` in order until one takes the (pending) row or none is left. */
  private async submitTo(
    row: SubmissionRow,
    providers: readonly string[],
    to: string,
    text: string,
    analysis: SmsAnalysis,
    tried: string[],
  ): Promise<EngineOutcome> {
    for (const providerId of providers) {
      if (!this.pool.get(providerId)) continue;
      // Claim: only one worker moves a row to `submitting`, and the provider is on record first.
      const claimed = (await this.dataSource.query(
        `UPDATE ${this.table} SET "state" = 'submitting', "provider_id" = $2, "encoding" = $3, "segments" = $4, "updated_at" = now()
         WHERE "id" = $1 AND "state" = 'pending' RETURNING "id"`,
        [row.id, providerId, analysis.encoding, analysis.segments],
      )) as [unknown[], number] | unknown[];
      if (!rowsOf(claimed).length) return 'in-flight';
      tried.push(providerId);
      const attempt = await this.attempt(row, providerId, to, text, analysis);
      if (attempt.kind === 'accepted') {
        await this.hooks.afterProviderAccepted?.(row.id);
        await this.markSubmitted(
          row,
          providerId,
          attempt.providerMessageId,
          analysis.segments,
          analysis.encoding,
        );
        return 'submitted';
      }
      if (attempt.kind === 'done') return attempt.outcome;
    }
    throw new RetriableError(
      `No SMS provider took ${row.kind} ${row.source_id} (tried ${tried.join(', ') || 'none'}); retrying later`,
    );
  }

  /**
   * One provider call for a row claimed for `providerId`: `accepted` (not yet recorded), `next`
   * (the provider did not take it; the row is pending again), or `done` with the outcome.
   */
  private async attempt(
    row: SubmissionRow,
    providerId: string,
    to: string,
    text: string,
    analysis: SmsAnalysis,
  ): Promise<
    | { kind: 'accepted'; providerMessageId: string }
    | { kind: 'next' }
    | { kind: 'done'; outcome: EngineOutcome }
  > {
    const provider = this.pool.get(providerId);
    if (!provider) throw new Error(`SMS provider ${providerId} is not configured`);
    try {
      const { providerMessageId } = await provider.submit({
        clientReference: row.id,
        from: this.config.originator,
        to,
        text,
        encoding: analysis.encoding,
        segments: analysis.segments,
      });
      this.metrics.submissions.inc({ provider: providerId, outcome: 'accepted' });
      return { kind: 'accepted', providerMessageId };
    } catch (error) {
      if (error instanceof ProviderUnavailableError) {
        this.metrics.submissions.inc({ provider: providerId, outcome: 'unavailable' });
        this.pool.selector.penalize(providerId);
        this.logger.warn(
          `Provider ${providerId} did not take ${row.kind} ${row.source_id} (${error.detail}); trying the next`,
        );
        await this.dataSource.query(
          `UPDATE ${this.table} SET "state" = 'pending', "provider_id" = NULL, "updated_at" = now() WHERE "id" = $1 AND "state" = 'submitting'`,
          [row.id],
        );
        return { kind: 'next' };
      }
      if (error instanceof ProviderRejectedError) {
        this.metrics.submissions.inc({ provider: providerId, outcome: 'rejected' });
        await this.finish(row, 'failed', error.reason, 'FAILED', providerId);
        return { kind: 'done', outcome: 'failed' };
      }
      if (error instanceof ProviderOutcomeUnknownError) {
        // Left in `submitting`: the reconciler asks the provider before anything is sent again.
        this.metrics.submissions.inc({ provider: providerId, outcome: 'unknown' });
        this.pool.selector.penalize(providerId);
        this.logger.warn(
          `No answer from ${providerId} for ${row.kind} ${row.source_id} (${error.detail}); reconciling later`,
        );
        return { kind: 'done', outcome: 'unknown' };
      }
      throw error;
    }
  }

  /** A `submitting` row whose worker is gone: ask the provider, never resend blindly. */
  async reconcile(row: SubmissionRow): Promise<EngineOutcome> {
    const claimed = rowsOf(
      (await this.dataSource.query(
        `UPDATE ${this.table} SET "updated_at" = now()
         WHERE "id" = $1 AND "state" = 'submitting' AND "updated_at" <= now() - ($2::text || ' milliseconds')::interval
         RETURNING "id"`,
        [row.id, String(this.config.reconcile.staleAfterMs)],
      )) as unknown[],
    );
    if (!claimed.length) return 'in-flight';
    const provider = row.provider_id ? this.pool.get(row.provider_id) : undefined;
    if (!provider?.lookup) {
      this.logger.warn(
        `Submission ${row.id} to ${row.provider_id ?? '?'} was interrupted and the provider cannot be asked; not resending`,
      );
      await this.finish(
        row,
        'failed',
        'sms.submission-outcome-unknown',
        'FAILED',
        row.provider_id ?? undefined,
      );
      return 'failed';
    }
    const found = await provider.lookup(row.id).catch((error: unknown) => {
      throw new RetriableError(
        `Cannot ask ${provider.id} about submission ${row.id}: ${describeError(error)}`,
      );
    });
    if (found.found) {
      this.logger.log(
        `Submission ${row.id} was taken by ${provider.id} before the interruption; recorded, not resent`,
      );
      await this.markSubmitted(row, provider.id, found.providerMessageId, row.segments ?? 1, undefined);
      return 'submitted';
    }
    await this.dataSource.query(
      `UPDATE ${this.table} SET "state" = 'pending', "provider_id" = NULL, "updated_at" = now() WHERE "id" = $1 AND "state" = 'submitting'`,
      [row.id],
    );
    const fresh = await this.byId(row.id);
    return fresh ? this.submitPending(fresh) : 'duplicate';
  }

  private async resolveNumber(row: SubmissionRow): Promise<string | undefined> {
    if (row.sealed_number) {
      const opened = this.secrets.openSealed(row.sealed_number)?.toString('utf8');
      return opened && isE164(opened) ? opened : undefined;
    }
    if (!row.local_pseudonym) return undefined;
    const [phone] = (await this.dataSource.query(
      `SELECT "number_box" FROM "${this.config.schema}"."phone_number" WHERE "local_pseudonym" = $1`,
      [parseLocalPseudonym(row.local_pseudonym)],
    )) as Array<{ number_box: Buffer | null }>;
    return phone?.number_box ? this.secrets.decryptAtRest(phone.number_box) : undefined;
  }

  private openText(row: SubmissionRow): string {
    if (!row.sealed_text) throw Object.assign(new Error('no text'), { code: 'sms.text-missing' });
    if (row.kind === 'otp') {
      // The identity service seals the OTP text with crypto_box_seal (it signs nothing; the topic's ACL
      // lets only identity write it).
      const opened = this.secrets.openSealed(row.sealed_text);
      if (!opened)
        throw Object.assign(new Error('not sealed to the SMS channel key'), { code: 'sms.text-unreadable' });
      return opened.toString('utf8');
    }
    let opened;
    try {
      opened = this.crypto.openFallbackText(row.sealed_text, this.channelKeyPair, (senderId, keyId) =>
        this.senders.signingKey(senderId, keyId),
      );
    } catch (error) {
      const name = (error as Error).name;
      const code = /Signature|SenderKey|UnknownSender/i.test(name)
        ? 'sms.bad-signature'
        : 'sms.text-unreadable';
      throw Object.assign(new Error(name), { code });
    }
    if (opened.senderId !== row.sender_id || opened.messageId !== row.source_id)
      throw Object.assign(new Error('text signed for another message'), { code: 'sms.text-mismatch' });
    return opened.text;
  }

  /**
   * Records that `providerId` took the submission: once, whichever comes first — the provider's
   * answer, a reconciliation, or a delivery report that overtook the answer.
   */
  async markSubmitted(
    row: SubmissionRow,
    providerId: string,
    providerMessageId: string,
    segments: number,
    encoding: string | undefined,
  ): Promise<void> {
    await this.markSubmittedMany([{ row, providerId, providerMessageId, segments, encoding }]);
  }

  /** `markSubmitted` for many, in one transaction (one UPDATE, one outbox insert of DISPATCHED). */
  private async markSubmittedMany(accepted: readonly AcceptedSubmission[]): Promise<void> {
    if (accepted.length === 0) return;
    const costs = accepted.map((a) => a.segments * this.pool.price(a.providerId));
    const applied = await this.dataSource.transaction(async (manager) => {
      const updated = new Set(
        (
          rowsOf(
            await manager.query(
              `UPDATE ${this.table} AS s SET "state" = CASE WHEN s."state" = 'submitting' THEN 'submitted' ELSE s."state" END,
                 "provider_id" = u."provider_id", "provider_message_id" = u."provider_message_id", "segments" = u."segments",
                 "cost_eur" = u."cost_eur", "submitted_at" = now(), "updated_at" = now(), "sealed_text" = NULL, "sealed_number" = NULL
               FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::numeric[])
                 AS u("id", "provider_id", "provider_message_id", "segments", "cost_eur")
               WHERE s."id" = u."id" AND s."submitted_at" IS NULL AND s."state" IN ('submitting', 'delivered', 'failed')
               RETURNING s."id"`,
              [
                accepted.map((a) => a.row.id),
                accepted.map((a) => a.providerId),
                accepted.map((a) => a.providerMessageId),
                accepted.map((a) => a.segments),
                costs.map((c) => c.toFixed(6)),
              ],
            ),
          ) as Array<{ id: string }>
        ).map((r) => r.id),
      );
      const done = accepted.filter((a) => updated.has(a.row.id));
      const entries: OutboxEntry[] = [];
      for (const a of done) {
        const entry = await this.eventEntry(a.row, 'DISPATCHED', null);
        if (entry) entries.push(entry);
      }
      await this.outbox.add(manager, entries);
      return done;
    });
    if (applied.length === 0) return;
    this.outbox.notify();
    for (const a of applied) {
      const sender = a.row.sender_id ?? 'enrolment-otp';
      this.metrics.segments.inc({ provider: a.providerId }, a.segments);
      this.metrics.cost.inc({ provider: a.providerId, sender }, a.segments * this.pool.price(a.providerId));
      if (a.encoding) this.metrics.senderSegments.inc({ sender, encoding: a.encoding }, a.segments);
    }
  }

  /** Ends a submission without (further) provider involvement, with its event. */
  async finish(
    row: SubmissionRow,
    state: 'failed' | 'expired',
    reason: string,
    status: DeliveryStatus,
    providerId?: string,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const updated = rowsOf(
        (await manager.query(
          `UPDATE ${this.table} SET "state" = $2, "reason" = $3, "provider_id" = COALESCE($4, "provider_id"), "updated_at" = now(),
             "sealed_text" = NULL, "sealed_number" = NULL
           WHERE "id" = $1 AND "state" IN ('pending', 'submitting') RETURNING "id"`,
          [row.id, state, reason, providerId ?? null],
        )) as unknown[],
      );
      if (updated.length) await this.addEvent(manager, row, status, reason);
    });
    this.outbox.notify();
  }

  /** A DeliveryEvent about a message's SMS, into the outbox (OTP submissions have no message: none). */
  async addEvent(
    manager: EntityManager,
    row: Pick<SubmissionRow, 'kind' | 'source_id' | 'sender_id' | 'plan_id' | 'attempt'>,
    status: DeliveryStatus,
    reason: string | null,
  ): Promise<void> {
    const entry = await this.eventEntry(row, status, reason);
    if (entry) await this.outbox.add(manager, [entry]);
  }

  /** The outbox record of a DeliveryEvent about a message's SMS (none for OTP submissions). */
  private async eventEntry(
    row: Pick<SubmissionRow, 'kind' | 'source_id' | 'sender_id' | 'plan_id' | 'attempt'>,
    status: DeliveryStatus,
    reason: string | null,
  ): Promise<OutboxEntry | undefined> {
    if (row.kind !== 'message' || !row.sender_id) return undefined;
    const event: DeliveryEvent = {
      eventId: randomUUID(),
      messageId: row.source_id,
      senderId: row.sender_id,
      status,
      channel: 'SMS',
      reason,
      fromChannel: null,
      toChannel: null,
      deviceId: null,
      planId: row.plan_id,
      attempt: row.attempt,
      occurredAt: Date.now(),
      producer: 'sms-channel',
    };
    return {
      topic: this.config.topics.events,
      key: row.source_id,
      value: await this.codec.encode('DeliveryEvent', event),
    };
  }
}

/** What a job files: one submission of a message's SMS (or an OTP). */
export interface SubmissionToFile {
  kind: 'message' | 'otp';
  sourceId: string;
  attempt: number;
  senderId: string | null;
  planId: string | null;
  expiresAt: number;
  sealedText: Buffer;
  sealedNumber: Buffer | null;
  localPseudonym: string | null;
}

/** A pending row with its number and text, ready for its first provider. */
interface ReadyRow {
  index: number;
  row: SubmissionRow;
  to: string;
  text: string;
  analysis: SmsAnalysis;
  /** Its failover order; the first is the provider it is claimed for. */
  providers: string[];
}

/** A submission a provider took, to record (`encoding` unknown after a reconciliation). */
interface AcceptedSubmission {
  row: SubmissionRow;
  providerId: string;
  providerMessageId: string;
  segments: number;
  encoding: string | undefined;
}

function isLocalPseudonym(value: string): boolean {
  try {
    parseLocalPseudonym(value);
    return true;
  } catch {
    return false;
  }
}

/** The promise's outcome as a value (so a rejection is handled the moment it happens). */
function settled<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
}

/** Runs `work` over `items` with at most `concurrency` at once (`work` must not throw). */
async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/** `UPDATE … RETURNING` answers `[rows, count]` on PostgreSQL through TypeORM. */
export function rowsOf(result: unknown): unknown[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as unknown[];
  return Array.isArray(result) ? result : [];
}
