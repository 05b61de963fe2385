import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AvroCodec } from '@smis/contracts';
import { decodeEnvelope } from '@smis/crypto';
import { DecodeError } from '@smis/messaging';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { DomainDecryptor, LocalPseudonym } from '@smis/pseudonym';
import type { AppChannelConfig } from '../../config';
import { deliveryEvent, REASONS, type EventFacts } from '../../events';
import { LiveHub } from '../../live/live-hub';
import { appChannelMetrics } from '../../metrics';
import { fromWire } from '../../pseudonyms';
import type { PushProvider, PushProviderKind } from '../../push/push-provider';
import { sendWithRetry } from '../../push/push-dispatcher';
import { AppChannelStore, type DeviceRow, type MessageRow } from '../../store';
import {
  APP_CHANNEL_CODEC,
  APP_CHANNEL_CONFIG,
  APP_CHANNEL_OUTBOX,
  APP_DOMAIN_DECRYPTOR,
  PUSH_PROVIDERS,
} from '../../tokens';
import type { DeliverJobCommand } from './deliver-job.command';

export type DeliverJobOutcome = 'dispatched' | 'failed' | 'no-device' | 'duplicate' | 'expired';

interface DeviceResult {
  device: DeviceRow;
  via: 'live' | 'push' | 'none';
  outcome: 'sent' | 'gone' | 'failed' | 'skipped';
  reason?: string;
}

/**
 * One job: decrypt the app-domain pseudonym, file the envelope in the inbox (idempotent by
 * messageId), then reach every active device whose key the envelope is sealed to: over its live
 * connection, else by an opaque push. Events: DISPATCHED per device reached; FAILED at once when
 * there is no device or no device could be reached; EXPIRED when the job came too late.
 */
@Injectable()
export class DeliverJobUseCase {
  private readonly logger = new Logger('AppChannel');

  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    @Inject(APP_CHANNEL_OUTBOX) private readonly outbox: Outbox,
    @Inject(APP_CHANNEL_CODEC) private readonly codec: AvroCodec,
    @Inject(APP_DOMAIN_DECRYPTOR) private readonly decryptor: DomainDecryptor,
    @Inject(PUSH_PROVIDERS) private readonly providers: Partial<Record<PushProviderKind, PushProvider>>,
    private readonly store: AppChannelStore,
    private readonly live: LiveHub,
  ) {}

  async execute(command: DeliverJobCommand): Promise<DeliverJobOutcome> {
    const job = command.job;
    const facts: EventFacts = {
      messageId: job.messageId,
      senderId: job.senderId,
      planId: job.planId,
      attempt: job.attempt,
    };
    const now = Date.now();
    if (job.expiresAt <= now) {
      await this.publish([await this.event(facts, 'EXPIRED', { reason: REASONS.expired })]);
      appChannelMetrics.jobs.inc({ outcome: 'expired' });
      return 'expired';
    }
    let pseudonym: LocalPseudonym;
    try {
      pseudonym = this.decryptor.decrypt(fromWire(job.recipient, 'app'));
    } catch (error) {
      await this.publish([await this.event(facts, 'FAILED', { reason: REASONS.invalidRecipient })]);
      appChannelMetrics.jobs.inc({ outcome: 'invalid' });
      throw new DecodeError(
        `Job ${job.messageId}: the recipient is not an app-domain pseudonym (${(error as Error).name})`,
      );
    }
    let keyIds: string[];
    try {
      const envelope = decodeEnvelope(job.envelope);
      if (envelope.messageId !== job.messageId) throw new RangeError('the envelope is for another message');
      keyIds = envelope.wraps.map((w) => w.deviceKeyId);
    } catch (error) {
      await this.publish([await this.event(facts, 'FAILED', { reason: REASONS.malformedEnvelope })]);
      appChannelMetrics.jobs.inc({ outcome: 'invalid' });
      throw new DecodeError(`Job ${job.messageId}: malformed envelope (${(error as Error).message})`);
    }

    // File the message, and find the devices, in one transaction; FAILED at once without devices.
    const stored = await this.store.dataSource.transaction(async (manager) => {
      await this.store.query(
        `INSERT INTO ${this.store.inbox} ("message_id", "pseudonym", "sender_id", "plan_id", "attempt", "priority",
           "envelope", "key_ids", "expires_at")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], to_timestamp($9 / 1000.0))
         ON CONFLICT ("message_id") DO NOTHING`,
        [
          job.messageId,
          pseudonym,
          job.senderId,
          job.planId,
          job.attempt,
          job.priority,
          job.envelope,
          keyIds,
          job.expiresAt,
        ],
        manager,
      );
      const [message] = await this.store.query<MessageRow>(
        `SELECT * FROM ${this.store.inbox} WHERE "message_id" = $1 FOR UPDATE`,
        [job.messageId],
        manager,
      );
      if (message.dispatched_at !== null) return { message, devices: [] as DeviceRow[], duplicate: true };
      const devices = (await this.store.activeDevicesOf([message.pseudonym], manager)).filter((d) =>
        message.key_ids.includes(d.key_id),
      );
      if (devices.length === 0) {
        await this.outbox.add(manager, [await this.event(facts, 'FAILED', { reason: REASONS.noDevice })]);
        await this.store.query(
          `UPDATE ${this.store.inbox} SET "dispatched_at" = now() WHERE "message_id" = $1`,
          [job.messageId],
          manager,
        );
      }
      return { message, devices, duplicate: false };
    });
    if (stored.duplicate) {
      appChannelMetrics.jobs.inc({ outcome: 'duplicate' });
      return 'duplicate';
    }
    if (stored.devices.length === 0) {
      this.outbox.notify();
      appChannelMetrics.jobs.inc({ outcome: 'no-device' });
      return 'no-device';
    }
    appChannelMetrics.jobs.inc({ outcome: 'stored' });

    const ttlSeconds = Math.max(0, Math.floor(((job.fallbackAt ?? job.expiresAt) - Date.now()) / 1000));
    const results = await Promise.all(
      stored.devices.map((device) =>
        this.reach(device, { messageId: job.messageId, priority: job.priority, ttlSeconds }),
      ),
    );
    const reached = results.filter((r) => r.outcome === 'sent');
    const entries: OutboxEntry[] = [];
    for (const r of reached)
      entries.push(await this.event(facts, 'DISPATCHED', { deviceId: r.device.device_id }));
    if (reached.length === 0) {
      const reason = results.some((r) => r.via === 'push') ? REASONS.pushFailed : REASONS.noPushTarget;
      entries.push(await this.event(facts, 'FAILED', { reason }));
    }
    const gone = results.filter((r) => r.outcome === 'gone').map((r) => r.device.device_id);
    await this.store.dataSource.transaction(async (manager) => {
      if (gone.length > 0) {
        await this.store.query(
          `UPDATE ${this.store.device} SET "push_token" = NULL, "push_provider" = NULL, "updated_at" = now()
            WHERE "device_id" = ANY($1::text[])`,
          [gone],
          manager,
        );
      }
      await this.outbox.add(manager, entries);
      await this.store.query(
        `UPDATE ${this.store.inbox} SET "dispatched_at" = now() WHERE "message_id" = $1`,
        [job.messageId],
        manager,
      );
    });
    this.outbox.notify();
    for (const r of results.filter((x) => x.outcome !== 'sent' && x.outcome !== 'skipped')) {
      this.logger.warn(
        `Push for message ${job.messageId} to device ${r.device.device_id}: ${r.outcome} (${r.reason ?? ''})`,
      );
    }
    return reached.length > 0 ? 'dispatched' : 'failed';
  }

  private async reach(
    device: DeviceRow,
    notification: { messageId: string; priority: DeliverJobCommand['job']['priority']; ttlSeconds: number },
  ): Promise<DeviceResult> {
    if (this.live.publish(device.device_id, { type: 'message', messageId: notification.messageId })) {
      appChannelMetrics.live.inc();
      return { device, via: 'live', outcome: 'sent' };
    }
    const kind = device.push_provider as PushProviderKind | null;
    const provider = kind ? this.providers[kind] : undefined;
    if (!kind || !device.push_token) return { device, via: 'none', outcome: 'skipped' };
    if (!provider) return { device, via: 'push', outcome: 'failed', reason: `${kind}.not-configured` };
    const outcome = await sendWithRetry(provider, device.push_token, notification, this.config.push);
    const result = outcome.kind === 'sent' ? 'sent' : outcome.kind === 'gone' ? 'gone' : 'failed';
    appChannelMetrics.pushes.inc({ provider: kind, outcome: result });
    return { device, via: 'push', outcome: result, reason: 'reason' in outcome ? outcome.reason : undefined };
  }

  private event(
    facts: EventFacts,
    status: 'DISPATCHED' | 'FAILED' | 'EXPIRED',
    extra: { reason?: string; deviceId?: string },
  ) {
    return deliveryEvent(this.codec, this.config.eventsTopic, facts, status, extra);
  }

  private async publish(entries: OutboxEntry[]): Promise<void> {
    await this.store.dataSource.transaction((manager) => this.outbox.add(manager, entries));
    this.outbox.notify();
  }
}
