import { Inject, Injectable, Logger } from '@nestjs/common';
import { statusTopic } from '@smis/contracts';
import { DEAD_LETTER_HEADERS, describeError } from '@smis/messaging';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { DataSource } from 'typeorm';
import type { StatusConfig } from '../../config';
import { statusMetrics } from '../../metrics';
import { rowsOf, statusTables, type StatusTables } from '../../tables';
import { STATUS_CONFIG, STATUS_DATA_SOURCE, STATUS_OUTBOX } from '../../tokens';
import { afterFailedAttempt } from '../../webhooks/retry-schedule';
import { SecretBox } from '../../webhooks/secret-box';
import { webhookHeaders } from '../../webhooks/webhook-request';
import { WebhookTransport, type WebhookResponse } from '../../webhooks/webhook-transport';

/** One claimed delivery: leased to this instance until `next_attempt_at`. */
interface ClaimedDelivery {
  id: string;
  subscription_id: string;
  event_id: string;
  body: string;
  attempts: number;
  deadline_at: Date;
  webhook_url: string;
  secret_ciphertext: string;
}

interface DeadDelivery {
  id: string;
  subscription_id: string;
  sender_id: string;
  event_id: string;
  message_id: string;
  record: Buffer;
  attempts: number;
  last_error: string | null;
}

/** Headers a dead-lettered webhook delivery carries, next to the messaging DEAD_LETTER_HEADERS. */
export const WEBHOOK_DEAD_LETTER_HEADERS = {
  subscriptionId: 'smis-subscription-id',
  senderId: 'smis-sender-id',
  eventId: 'smis-event-id',
} as const;

/**
 * One round of the webhook queue: claims due deliveries (`FOR UPDATE SKIP LOCKED`, so instances
 * never claim the same row, and leases them by moving `next_attempt_at` past the attempt's
 * timeout, so a crashed instance's claims come due again), sends them concurrently, and records
 * each outcome: delivered; a retry at the next backoff; or, once the retry window is over, dead:
 * the delivery and every other pending delivery of its subscription go to the dead-letter topic
 * (through the outbox, in the same transaction) and the subscription is disabled.
 */
@Injectable()
export class DeliverWebhooksUseCase {
  private readonly logger = new Logger('StatusWebhooks');
  private readonly tables: StatusTables;

  constructor(
    @Inject(STATUS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(STATUS_OUTBOX) private readonly outbox: Outbox,
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    private readonly secrets: SecretBox,
    private readonly transport: WebhookTransport,
  ) {
    this.tables = statusTables(config.schema);
  }

  /** Lease long enough for one attempt to finish; a claim older than that is taken to be lost. */
  get leaseMs(): number {
    return this.config.webhooks.timeoutMs * 2 + 5_000;
  }

  /** Sends up to `batchSize` due deliveries; returns how many were claimed. */
  async execute(batchSize = this.config.webhooks.batchSize): Promise<number> {
    const claimed = await this.claim(batchSize);
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  private async claim(batchSize: number): Promise<ClaimedDelivery[]> {
    const t = this.tables;
    const now = new Date();
    return rowsOf<ClaimedDelivery>(
      await this.dataSource.query(
        `WITH due AS (
         SELECT d."id" FROM ${t.webhookDelivery} d
           JOIN ${t.subscription} s ON s."id" = d."subscription_id"
          WHERE d."state" = 'pending' AND d."next_attempt_at" <= $1 AND s."enabled"
          ORDER BY d."next_attempt_at"
          LIMIT $2
          FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE ${t.webhookDelivery} d
          SET "attempts" = d."attempts" + 1, "next_attempt_at" = $3, "last_attempt_at" = $1
         FROM due, ${t.subscription} s
        WHERE d."id" = due."id" AND s."id" = d."subscription_id"
      RETURNING d."id", d."subscription_id", d."event_id", d."body", d."attempts", d."deadline_at",
                s."webhook_url", s."secret_ciphertext"`,
        [now, batchSize, new Date(now.getTime() + this.leaseMs)],
      ),
    );
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    try {
      const response = await this.transport.post({
        url: delivery.webhook_url,
        body: delivery.body,
        headers: webhookHeaders({
          secret: this.secrets.open(delivery.secret_ciphertext, delivery.subscription_id),
          body: delivery.body,
          eventId: delivery.event_id,
          subscriptionId: delivery.subscription_id,
          attempt: delivery.attempts,
        }),
        timeoutMs: this.config.webhooks.timeoutMs,
      });
      const outcome = response.error === null ? 'delivered' : 'failed';
      statusMetrics.webhookDuration.observe({ outcome }, response.durationMs / 1000);
      if (response.error === null) await this.delivered(delivery, response);
      else await this.failed(delivery, response);
    } catch (error) {
      // The lease runs out and the delivery is tried again; nothing is lost.
      this.logger.error(
        `Could not record webhook delivery ${delivery.id} (subscription ${delivery.subscription_id}): ${describeError(error)}`,
      );
    }
  }

  private async delivered(delivery: ClaimedDelivery, response: WebhookResponse): Promise<void> {
    statusMetrics.webhookAttempts.inc({ outcome: 'delivered' });
    await this.dataSource.query(
      `UPDATE ${this.tables.webhookDelivery}
          SET "state" = 'delivered', "completed_at" = $2, "last_status_code" = $3, "last_error" = NULL
        WHERE "id" = $1 AND "state" = 'pending'`,
      [delivery.id, new Date(), response.statusCode],
    );
  }

  private async failed(delivery: ClaimedDelivery, response: WebhookResponse): Promise<void> {
    const now = new Date();
    const next = afterFailedAttempt(
      { attempts: delivery.attempts, deadlineAt: new Date(delivery.deadline_at), now },
      this.config.webhooks.retry,
    );
    if (next.kind === 'retry') {
      statusMetrics.webhookAttempts.inc({ outcome: 'failed' });
      // The attempts guard leaves a row alone that another instance claimed after our lease ran out.
      await this.dataSource.query(
        `UPDATE ${this.tables.webhookDelivery}
            SET "next_attempt_at" = $3, "last_status_code" = $4, "last_error" = $5
          WHERE "id" = $1 AND "attempts" = $2 AND "state" = 'pending'`,
        [delivery.id, delivery.attempts, next.at, response.statusCode, response.error],
      );
      return;
    }
    await this.giveUp(delivery, response, now);
  }

  private async giveUp(delivery: ClaimedDelivery, response: WebhookResponse, now: Date): Promise<void> {
    const t = this.tables;
    const window = formatDuration(this.config.webhooks.retry.windowMs);
    const reason = `The webhook receiver did not accept the event within the ${window} retry window (${delivery.attempts} attempts, last: ${response.error})`;
    const disabledReason = `Disabled after a delivery exhausted the ${window} retry window (last: ${response.error})`;
    const dead = await this.dataSource.transaction(async (manager) => {
      // The subscription first: deliveries of one subscription that give up together queue here
      // instead of each holding its own row while waiting for the other's (a deadlock).
      await manager.query(`SELECT "id" FROM ${t.subscription} WHERE "id" = $1 FOR UPDATE`, [
        delivery.subscription_id,
      ]);
      const [first] = rowsOf<DeadDelivery>(
        await manager.query(
          `UPDATE ${t.webhookDelivery}
            SET "state" = 'dead', "completed_at" = $3, "last_status_code" = $4, "last_error" = $5
          WHERE "id" = $1 AND "attempts" = $2 AND "state" = 'pending'
        RETURNING "id", "subscription_id", "sender_id", "event_id", "message_id", "record", "attempts", "last_error"`,
          [delivery.id, delivery.attempts, now, response.statusCode, response.error],
        ),
      );
      if (!first) return [];
      const disabled = rowsOf(
        await manager.query(
          `UPDATE ${t.subscription} SET "enabled" = false, "disabled_reason" = $2, "disabled_at" = $3, "updated_at" = $3
          WHERE "id" = $1 AND "enabled" RETURNING "id"`,
          [delivery.subscription_id, disabledReason, now],
        ),
      );
      if (disabled.length > 0) statusMetrics.subscriptionsDisabled.inc();
      // The receiver is gone for good: its other deliveries would only wait to fail the same way.
      const others = rowsOf<DeadDelivery>(
        await manager.query(
          `UPDATE ${t.webhookDelivery}
            SET "state" = 'dead', "completed_at" = $2, "last_error" = 'subscription disabled'
          WHERE "subscription_id" = $1 AND "state" = 'pending'
        RETURNING "id", "subscription_id", "sender_id", "event_id", "message_id", "record", "attempts", "last_error"`,
          [delivery.subscription_id, now],
        ),
      );
      const entries = [
        this.deadLetter(first, reason, 'WebhookRetryWindowExhausted', now),
        ...others.map((other) =>
          this.deadLetter(
            other,
            `Subscription disabled: ${disabledReason}`,
            'WebhookSubscriptionDisabled',
            now,
          ),
        ),
      ];
      await this.outbox.add(manager, entries);
      return [first, ...others];
    });
    if (dead.length === 0) return;
    statusMetrics.webhookAttempts.inc({ outcome: 'dead' }, dead.length);
    this.outbox.notify();
    this.logger.warn(
      `Webhook subscription ${delivery.subscription_id} disabled; ${dead.length} delivery(ies) dead-lettered to ${this.config.webhooks.deadLetterTopic} (last: ${response.error})`,
    );
  }

  private deadLetter(delivery: DeadDelivery, reason: string, error: string, now: Date): OutboxEntry {
    return {
      topic: this.config.webhooks.deadLetterTopic,
      key: delivery.message_id,
      value: delivery.record,
      headers: {
        [DEAD_LETTER_HEADERS.reason]: reason,
        [DEAD_LETTER_HEADERS.error]: error,
        [DEAD_LETTER_HEADERS.sourceTopic]: statusTopic(delivery.sender_id),
        [DEAD_LETTER_HEADERS.attempts]: String(delivery.attempts),
        [DEAD_LETTER_HEADERS.failedAt]: now.toISOString(),
        [WEBHOOK_DEAD_LETTER_HEADERS.subscriptionId]: delivery.subscription_id,
        [WEBHOOK_DEAD_LETTER_HEADERS.senderId]: delivery.sender_id,
        [WEBHOOK_DEAD_LETTER_HEADERS.eventId]: delivery.event_id,
      },
    };
  }
}

/** `24 h`, `90 min`, `2 s`. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}
