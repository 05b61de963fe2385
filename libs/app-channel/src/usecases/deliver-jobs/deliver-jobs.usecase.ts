import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppChannelJob, AvroCodec } from '@smis/contracts';
import { decodeEnvelope } from '@smis/crypto';
import { DecodeError } from '@smis/messaging';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { DomainDecryptor, EncryptedPseudonym } from '@smis/pseudonym';
import type { AppChannelConfig } from '../../config';
import { deliveryEvent, REASONS, type EventFacts } from '../../events';
import { isMembershipLost } from '../../kafka/membership';
import { LiveHub } from '../../live/live-hub';
import { AppChannelMetrics } from '../../metrics';
import { fromWire } from '../../pseudonyms';
import { ConcurrencyLimiter } from '../../push/concurrency-limiter';
import { sendWithRetry } from '../../push/push-dispatcher';
import type { PushProvider, PushProviderKind } from '../../push/push-provider';
import { AppChannelStore, type DeviceRow, type MessageRow } from '../../store';
import {
  APP_CHANNEL_CODEC,
  APP_CHANNEL_CONFIG,
  APP_CHANNEL_OUTBOX,
  APP_DOMAIN_DECRYPTOR,
  PUSH_PROVIDERS,
} from '../../tokens';
import type { DeliverJobsCommand } from './deliver-jobs.command';

export type DeliverJobOutcome = 'dispatched' | 'failed' | 'no-device' | 'duplicate' | 'expired';

export interface DeliverJobsResult {
  /** The outcome of each job handled: `jobs[0 .. outcomes.length)`, in order. */
  outcomes: DeliverJobOutcome[];
  /**
   * Set when `jobs[outcomes.length]` was refused for its content (not an app-domain recipient, a
   * malformed envelope): its FAILED event is published, the record belongs in the dead-letter
   * topic, and the jobs after it were not looked at.
   */
  refused?: DecodeError;
}

interface DeviceResult {
  device: DeviceRow;
  via: 'live' | 'push' | 'none';
  outcome: 'sent' | 'gone' | 'failed' | 'skipped';
  reason?: string;
}

/** A job to file under its local pseudonym, for the devices whose keys its envelope is sealed to. */
interface Filed {
  job: AppChannelJob;
  expired: false;
  pseudonym: string;
  keyIds: string[];
}

/** A job that passed the checks: expired, or to be filed. */
type Screened = { job: AppChannelJob; expired: true } | Filed;

/** What the filing transaction needs of a message row. */
type FiledRow = Pick<MessageRow, 'message_id' | 'pseudonym' | 'key_ids' | 'dispatched_at'>;

/** A job accepted for delivery, with the devices to reach. */
interface Dispatch {
  job: AppChannelJob;
  devices: DeviceRow[];
}

/** Rows per INSERT: 9 parameters each, well under PostgreSQL's 65,535. */
const INSERT_CHUNK = 1_000;

/**
 * Jobs, a batch at a time (ADR 600, ADR 601): decrypt the batch's app-domain pseudonyms in one
 * call, file every envelope in the inbox (idempotent by messageId) and find the devices in one
 * transaction, reach every active device whose key the envelope is sealed to — over its live
 * connection, else by an opaque push, at most `push.concurrency` pushes at once for the whole
 * channel — then write the events of the batch in one transaction. Events: DISPATCHED per device
 * reached; FAILED at once when there is no device or no device could be reached; EXPIRED when the
 * job came too late. A job with a bad recipient or envelope stops the batch there (`refused`).
 */
@Injectable()
export class DeliverJobsUseCase {
  private readonly logger = new Logger('AppChannel');
  private readonly pushes: ConcurrencyLimiter;

  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    @Inject(APP_CHANNEL_OUTBOX) private readonly outbox: Outbox,
    @Inject(APP_CHANNEL_CODEC) private readonly codec: AvroCodec,
    @Inject(APP_DOMAIN_DECRYPTOR) private readonly decryptor: DomainDecryptor,
    @Inject(PUSH_PROVIDERS) private readonly providers: Partial<Record<PushProviderKind, PushProvider>>,
    private readonly store: AppChannelStore,
    private readonly live: LiveHub,
    private readonly metrics: AppChannelMetrics,
  ) {
    this.pushes = new ConcurrencyLimiter(config.push.concurrency);
  }

  async execute(command: DeliverJobsCommand): Promise<DeliverJobsResult> {
    const receivedAt = Date.now();
    const { accepted, refusal } = this.screen(command.jobs, receivedAt);
    const outcomes = new Map<AppChannelJob, DeliverJobOutcome>();
    // FAILED (refused, no device) and EXPIRED are published with the filing transaction, at once.
    const early: OutboxEntry[] = [];
    for (const { job } of accepted.filter((a) => a.expired)) {
      early.push(await this.event(facts(job), 'EXPIRED', { reason: REASONS.expired }));
      outcomes.set(job, 'expired');
    }
    if (refusal) early.push(await this.event(facts(refusal.job), 'FAILED', { reason: refusal.reason }));
    const toFile = accepted.filter((a): a is Filed => !a.expired);
    const dispatches = await this.store.dataSource.transaction(async (manager) => {
      const found = toFile.length > 0 ? await this.file(toFile, manager, outcomes, early) : [];
      await this.outbox.add(manager, early);
      return found;
    });
    if (early.length > 0) this.outbox.notify();
    for (const outcome of outcomes.values()) this.metrics.jobs.inc({ outcome });
    if (refusal) this.metrics.jobs.inc({ outcome: 'invalid' });

    if (dispatches.length > 0) {
      this.metrics.jobs.inc({ outcome: 'stored' }, dispatches.length);
      const reached = await this.dispatch(dispatches, command.heartbeat, receivedAt);
      for (const [job, outcome] of reached) outcomes.set(job, outcome);
    }
    const handled = accepted.map((a) => outcomes.get(a.job) ?? 'duplicate');
    return refusal ? { outcomes: handled, refused: refusal.error } : { outcomes: handled };
  }

  /**
   * Inside the filing transaction: inserts the envelopes (idempotent by messageId), locks their
   * rows, and answers the jobs to dispatch with their devices. Jobs already dispatched are
   * duplicates; jobs without a device get FAILED (into `early`) and are marked dispatched.
   */
  private async file(
    jobs: readonly Filed[],
    manager: EntityManager,
    outcomes: Map<AppChannelJob, DeliverJobOutcome>,
    early: OutboxEntry[],
  ): Promise<Dispatch[]> {
    // One order for every transaction's inserts and locks.
    const ordered = [...jobs].sort((a, b) => compare(a.job.messageId, b.job.messageId));
    for (let i = 0; i < ordered.length; i += INSERT_CHUNK) {
      const values: unknown[] = [];
      const rows = ordered.slice(i, i + INSERT_CHUNK).map(({ job, pseudonym, keyIds }, r) => {
        values.push(
          job.messageId,
          pseudonym,
          job.senderId,
          job.planId,
          job.attempt,
          job.priority,
          job.envelope,
          keyIds,
          job.expiresAt,
        );
        const p = (n: number) => `$${r * 9 + n}`;
        return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}::text[], to_timestamp(${p(9)} / 1000.0))`;
      });
      await this.store.query(
        `INSERT INTO ${this.store.inbox} ("message_id", "pseudonym", "sender_id", "plan_id", "attempt", "priority",
           "envelope", "key_ids", "expires_at")
         VALUES ${rows.join(', ')}
         ON CONFLICT ("message_id") DO NOTHING`,
        values,
        manager,
      );
    }
    const locked = await this.store.prepared<FiledRow>(
      `SELECT "message_id", "pseudonym", "key_ids", "dispatched_at" FROM ${this.store.inbox}
        WHERE "message_id" = ANY($1::text[]) ORDER BY "message_id" FOR UPDATE`,
      [ordered.map((a) => a.job.messageId)],
      manager,
    );
    const rows = new Map(locked.map((m) => [m.message_id, m]));
    const fresh: { job: AppChannelJob; message: FiledRow }[] = [];
    const taken = new Set<string>();
    for (const { job } of jobs) {
      const message = rows.get(job.messageId);
      // Already dispatched (a redelivery), or a second copy of a job earlier in this batch.
      if (!message || message.dispatched_at !== null || taken.has(job.messageId)) {
        outcomes.set(job, 'duplicate');
        continue;
      }
      taken.add(job.messageId);
      fresh.push({ job, message });
    }
    const devices = await this.store.activeDevicesByPseudonym(
      fresh.map((f) => f.message.pseudonym),
      manager,
    );
    const found: Dispatch[] = [];
    const undeliverable: string[] = [];
    for (const { job, message } of fresh) {
      const reachable = (devices.get(message.pseudonym) ?? []).filter((d) =>
        message.key_ids.includes(d.key_id),
      );
      if (reachable.length > 0) {
        found.push({ job, devices: reachable });
        continue;
      }
      early.push(await this.event(facts(job), 'FAILED', { reason: REASONS.noDevice }));
      undeliverable.push(job.messageId);
      outcomes.set(job, 'no-device');
    }
    if (undeliverable.length > 0)
      await this.store.prepared(
        `UPDATE ${this.store.inbox} SET "dispatched_at" = now() WHERE "message_id" = ANY($1::text[])`,
        [undeliverable],
        manager,
      );
    return found;
  }

  /**
   * Expiry, recipient and envelope of each job, in order, up to the first refused one. The
   * pseudonyms of the batch are decrypted in one call.
   */
  private screen(
    jobs: readonly AppChannelJob[],
    now: number,
  ): {
    accepted: Screened[];
    refusal?: { job: AppChannelJob; reason: string; error: DecodeError };
  } {
    const wire = jobs.map((job): EncryptedPseudonym | Error => {
      if (job.expiresAt <= now) return new RangeError('expired');
      try {
        return fromWire(job.recipient, 'app');
      } catch (error) {
        return error as Error;
      }
    });
    const valid = wire.filter((w): w is EncryptedPseudonym => !(w instanceof Error));
    const decrypted = valid.length > 0 ? this.decryptor.decryptBatch(valid) : [];
    let next = 0;
    const accepted: Screened[] = [];
    for (const [i, job] of jobs.entries()) {
      if (job.expiresAt <= now) {
        accepted.push({ job, expired: true });
        continue;
      }
      const w = wire[i];
      const outcome = w instanceof Error ? { ok: false as const, error: w } : decrypted[next++];
      if (!outcome.ok) {
        return {
          accepted,
          refusal: {
            job,
            reason: REASONS.invalidRecipient,
            error: new DecodeError(
              `Job ${job.messageId}: the recipient is not an app-domain pseudonym (${outcome.error.name})`,
            ),
          },
        };
      }
      try {
        const envelope = decodeEnvelope(job.envelope);
        if (envelope.messageId !== job.messageId) throw new RangeError('the envelope is for another message');
        accepted.push({
          job,
          expired: false,
          pseudonym: outcome.value,
          keyIds: envelope.wraps.map((wrap) => wrap.deviceKeyId),
        });
      } catch (error) {
        return {
          accepted,
          refusal: {
            job,
            reason: REASONS.malformedEnvelope,
            error: new DecodeError(`Job ${job.messageId}: malformed envelope (${(error as Error).message})`),
          },
        };
      }
    }
    return { accepted };
  }

  /** Reaches every device of every job (pushes bounded channel-wide), then writes the events in one transaction. */
  private async dispatch(
    dispatches: readonly Dispatch[],
    heartbeat: (() => Promise<void>) | undefined,
    receivedAt: number,
  ): Promise<Map<AppChannelJob, DeliverJobOutcome>> {
    let membershipLost: Error | undefined;
    const beat = async (): Promise<void> => {
      try {
        await heartbeat?.();
      } catch (error) {
        // Finish the batch (its pushes are out) and say so afterwards; other heartbeat errors
        // surface at the consumer's next heartbeat.
        if (isMembershipLost(error)) membershipLost ??= error;
      }
    };
    const results = await Promise.all(
      dispatches.map(async ({ job, devices }) => {
        const ttlSeconds = Math.max(0, Math.floor(((job.fallbackAt ?? job.expiresAt) - Date.now()) / 1000));
        const notification = { messageId: job.messageId, priority: job.priority, ttlSeconds };
        const reached = await Promise.all(
          devices.map((device) => this.reach(device, notification, receivedAt)),
        );
        await beat();
        return reached;
      }),
    );

    const outcomes = new Map<AppChannelJob, DeliverJobOutcome>();
    const entries: OutboxEntry[] = [];
    const gone: string[] = [];
    for (const [i, { job }] of dispatches.entries()) {
      const reached = results[i].filter((r) => r.outcome === 'sent');
      for (const r of reached)
        entries.push(await this.event(facts(job), 'DISPATCHED', { deviceId: r.device.device_id }));
      if (reached.length === 0) {
        const reason = results[i].some((r) => r.via === 'push') ? REASONS.pushFailed : REASONS.noPushTarget;
        entries.push(await this.event(facts(job), 'FAILED', { reason }));
      }
      gone.push(...results[i].filter((r) => r.outcome === 'gone').map((r) => r.device.device_id));
      outcomes.set(job, reached.length > 0 ? 'dispatched' : 'failed');
    }
    await this.store.dataSource.transaction(async (manager) => {
      if (gone.length > 0) {
        await this.store.query(
          `UPDATE ${this.store.device} SET "push_token" = NULL, "push_provider" = NULL, "updated_at" = now()
            WHERE "device_id" = ANY($1::text[])`,
          [[...new Set(gone)]],
          manager,
        );
      }
      await this.outbox.add(manager, entries);
      await this.store.prepared(
        `UPDATE ${this.store.inbox} SET "dispatched_at" = now() WHERE "message_id" = ANY($1::text[])`,
        [dispatches.map((d) => d.job.messageId)],
        manager,
      );
    });
    this.outbox.notify();
    for (const [i, { job }] of dispatches.entries()) {
      for (const r of results[i].filter((x) => x.outcome !== 'sent' && x.outcome !== 'skipped')) {
        this.logger.warn(
          `Push for message ${job.messageId} to device ${r.device.device_id}: ${r.outcome} (${r.reason ?? ''})`,
        );
      }
    }
    if (membershipLost) throw membershipLost;
    return outcomes;
  }

  private async reach(
    device: DeviceRow,
    notification: { messageId: string; priority: AppChannelJob['priority']; ttlSeconds: number },
    receivedAt: number,
  ): Promise<DeviceResult> {
    if (this.live.publish(device.device_id, { type: 'message', messageId: notification.messageId })) {
      this.metrics.live.inc();
      this.metrics.dispatched('live', receivedAt);
      return { device, via: 'live', outcome: 'sent' };
    }
    const kind = device.push_provider as PushProviderKind | null;
    const provider = kind ? this.providers[kind] : undefined;
    const token = device.push_token;
    if (!kind || !token) return { device, via: 'none', outcome: 'skipped' };
    if (!provider) {
      const reason = `${kind}.not-configured`;
      this.metrics.pushFailed(kind, reason);
      return { device, via: 'push', outcome: 'failed', reason };
    }
    const outcome = await this.pushes.run(() =>
      sendWithRetry(provider, token, notification, this.config.push),
    );
    const result = outcome.kind === 'sent' ? 'sent' : outcome.kind === 'gone' ? 'gone' : 'failed';
    this.metrics.pushes.inc({ provider: kind, outcome: result });
    const reason = 'reason' in outcome ? outcome.reason : undefined;
    if (result === 'sent') this.metrics.dispatched(kind, receivedAt);
    else this.metrics.pushFailed(kind, reason);
    return { device, via: 'push', outcome: result, reason };
  }

  private event(
    facts: EventFacts,
    status: 'DISPATCHED' | 'FAILED' | 'EXPIRED',
    extra: { reason?: string; deviceId?: string },
  ): Promise<OutboxEntry> {
    return deliveryEvent(this.codec, this.config.eventsTopic, facts, status, extra);
  }
}

function facts(job: AppChannelJob): EventFacts {
  return { messageId: job.messageId, senderId: job.senderId, planId: job.planId, attempt: job.attempt };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
