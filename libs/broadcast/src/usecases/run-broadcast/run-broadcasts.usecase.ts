import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AvroCodec } from '@smis/contracts';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { BroadcastConfig, PushProviderKind } from '../../config';
import type { BroadcastRecordTypes } from '../../contracts/records';
import { lifecycleEvent, progressRecord, REASONS } from '../../events';
import { fanOut, keysetPages } from '../../fanout/fan-out';
import type { BroadcastPorts, PushRequest } from '../../ports';
import { progressOf } from '../../progress';
import { BroadcastStore, type JobRow } from '../../store';
import {
  BROADCAST_CODEC,
  BROADCAST_CONFIG,
  BROADCAST_OUTBOX,
  BROADCAST_PORTS,
  BROADCAST_RECORD_CODEC,
} from '../../tokens';

export interface RunSummary {
  broadcastId: string;
  state: JobRow['state'];
  topicMessages: number;
  pushesSent: number;
  pushesFailed: number;
}

/**
 * The durable schedule: claims due broadcasts (`FOR UPDATE SKIP LOCKED`, a lease renewed after
 * each page, so several instances share the work and a crashed one's broadcast is taken over),
 * publishes each into the inboxes, sends the provider topic messages, then streams the
 * per-device pushes at the configured rates, saving the resume point and counters after every
 * page. Aggregated progress goes to the progress topic at most every `progressIntervalMs`, and
 * lifecycle statuses (DISPATCHED, EXPIRED) to the events topic.
 */
@Injectable()
export class RunBroadcastsUseCase {
  private readonly logger = new Logger('Broadcast');

  constructor(
    @Inject(BROADCAST_CONFIG) private readonly config: BroadcastConfig,
    @Inject(BROADCAST_PORTS) private readonly ports: BroadcastPorts,
    @Inject(BROADCAST_OUTBOX) private readonly outbox: Outbox,
    @Inject(BROADCAST_CODEC) private readonly codec: AvroCodec,
    @Inject(BROADCAST_RECORD_CODEC) private readonly records: AvroCodec<BroadcastRecordTypes>,
    private readonly store: BroadcastStore,
  ) {}

  private halted = false;

  /** Shutdown: stop before the next page; the lease lapses and another instance resumes. */
  halt(): void {
    this.halted = true;
  }

  /** Runs due broadcasts until none is left; answers what it ran. */
  async execute(): Promise<RunSummary[]> {
    const ran: RunSummary[] = [];
    for (;;) {
      if (this.halted) return ran;
      const job = await this.claimNext();
      if (!job) return ran;
      ran.push(await this.run(job));
    }
  }

  private async claimNext(): Promise<JobRow | undefined> {
    let expired: JobRow | undefined;
    const claimed = await this.store.dataSource.transaction(async (manager) => {
      const [due] = await this.store.query<JobRow>(
        `SELECT * FROM ${this.store.job}
          WHERE "state" IN ('SCHEDULED', 'RUNNING') AND "not_before" <= now()
            AND ("claimed_until" IS NULL OR "claimed_until" < now())
          ORDER BY ("priority" = 'URGENT') DESC, "not_before" LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [],
        manager,
      );
      if (!due) return undefined;
      if (new Date(due.expires_at).getTime() <= Date.now()) {
        await this.store.query(
          `UPDATE ${this.store.job} SET "state" = 'EXPIRED', "reason" = $2, "finished_at" = now() WHERE "broadcast_id" = $1`,
          [due.broadcast_id, REASONS.expired],
          manager,
        );
        await this.outbox.add(manager, [
          await lifecycleEvent(
            this.codec,
            this.config.eventsTopic,
            { broadcastId: due.broadcast_id, senderId: due.sender_id },
            'EXPIRED',
            REASONS.expired,
          ),
        ]);
        expired = due;
        return 'expired' as const;
      }
      const [row] = await this.store.mutate<JobRow>(
        `UPDATE ${this.store.job} SET "state" = 'RUNNING', "started_at" = COALESCE("started_at", now()),
           "claimed_until" = now() + ($2 || ' milliseconds')::interval
          WHERE "broadcast_id" = $1 RETURNING *`,
        [due.broadcast_id, String(this.config.leaseMs)],
        manager,
      );
      return row;
    });
    if (claimed === 'expired') {
      this.outbox.notify();
      if (expired) await this.ports.delivery.cancel(expired.broadcast_id);
      return this.claimNext();
    }
    return claimed;
  }

  private async run(job: JobRow): Promise<RunSummary> {
    const id = job.broadcast_id;
    const delivery = this.ports.delivery;
    await delivery.publish(id);
    if (job.devices_targeted === null) {
      const targeted = await delivery.devicesTargeted(id);
      await this.store.query(
        `UPDATE ${this.store.job} SET "devices_targeted" = $2 WHERE "broadcast_id" = $1`,
        [id, targeted],
      );
    }
    const topics = await delivery.topicsFor(id);
    for (let i = job.topics_done; i < topics.length; i++) {
      if (await this.stopped(id)) return this.summary(id);
      const outcome = await delivery.sendToTopic(id, topics[i]);
      await this.store.query(
        `UPDATE ${this.store.job} SET "topics_done" = $2, "topic_messages" = "topic_messages" + $3,
           "pushes_failed" = "pushes_failed" + $4 WHERE "broadcast_id" = $1`,
        [id, i + 1, outcome.kind === 'sent' ? 1 : 0, outcome.kind === 'sent' ? 0 : 1],
      );
    }
    const exclude: PushProviderKind[] = topics.length > 0 ? ['fcm'] : [];
    const notification: PushRequest = {
      messageId: id,
      priority: job.priority,
      ttlSeconds: Math.max(0, Math.floor((new Date(job.expires_at).getTime() - Date.now()) / 1000)),
    };
    const result = await fanOut({
      pages: keysetPages(
        (after, limit) => delivery.devicePage(id, after, limit, exclude),
        job.device_cursor,
        this.config.fanOut.pageSize,
      ),
      notification,
      push: (target, n) => delivery.push(target, n),
      ratesPerSecond: this.config.fanOut.ratesPerSecond,
      concurrency: this.config.fanOut.concurrency,
      shouldStop: () => this.stopped(id),
      onPage: async (cursor, page) => {
        await this.store.query(
          `UPDATE ${this.store.job} SET "device_cursor" = $2, "pushes_sent" = "pushes_sent" + $3,
             "pushes_failed" = "pushes_failed" + $4, "claimed_until" = now() + ($5 || ' milliseconds')::interval
            WHERE "broadcast_id" = $1 AND "state" = 'RUNNING'`,
          [id, cursor, page.sent, page.failed + page.gone, String(this.config.leaseMs)],
        );
        await this.maybeProgress(id);
      },
    });
    if (result.stopped) return this.summary(id);
    await this.finish(id);
    return this.summary(id);
  }

  private async stopped(id: string): Promise<boolean> {
    if (this.halted) return true;
    const job = await this.store.find(id);
    return !job || job.state !== 'RUNNING' || new Date(job.expires_at).getTime() <= Date.now();
  }

  private async maybeProgress(id: string): Promise<void> {
    const rows = await this.store.mutate<JobRow>(
      `UPDATE ${this.store.job} SET "progress_at" = now()
        WHERE "broadcast_id" = $1 AND ("progress_at" IS NULL OR "progress_at" < now() - ($2 || ' milliseconds')::interval)
        RETURNING *`,
      [id, String(this.config.progressIntervalMs)],
    );
    if (rows.length === 0) return;
    const entry = await progressRecord(
      this.records,
      this.config.progressTopic,
      await progressOf(rows[0], this.ports),
    );
    await this.store.dataSource.transaction((manager) => this.outbox.add(manager, [entry]));
    this.outbox.notify();
  }

  private async finish(id: string): Promise<void> {
    const done = await this.store.dataSource.transaction(async (manager) => {
      const [row] = await this.store.mutate<JobRow>(
        `UPDATE ${this.store.job} SET "state" = 'DONE', "finished_at" = now(), "claimed_until" = NULL, "progress_at" = now()
          WHERE "broadcast_id" = $1 AND "state" = 'RUNNING' RETURNING *`,
        [id],
        manager,
      );
      if (!row) return undefined;
      const entries: OutboxEntry[] = [
        await lifecycleEvent(
          this.codec,
          this.config.eventsTopic,
          { broadcastId: id, senderId: row.sender_id },
          'DISPATCHED',
        ),
        await progressRecord(this.records, this.config.progressTopic, await progressOf(row, this.ports)),
      ];
      await this.outbox.add(manager, entries);
      return row;
    });
    if (!done) return;
    this.outbox.notify();
    this.logger.log(
      `Broadcast ${id} dispatched: ${done.topic_messages} topic message(s), ${done.pushes_sent} push(es), ${done.pushes_failed} failed`,
    );
  }

  private async summary(id: string): Promise<RunSummary> {
    const job = (await this.store.find(id)) as JobRow;
    return {
      broadcastId: id,
      state: job.state,
      topicMessages: Number(job.topic_messages),
      pushesSent: Number(job.pushes_sent),
      pushesFailed: Number(job.pushes_failed),
    };
  }
}
