import { Inject, Injectable, Logger } from '@nestjs/common';
import { broadcastSigningInput, type AvroCodec, type Broadcast } from '@smis/contracts';
import { NonRetriableError } from '@smis/messaging';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { BroadcastConfig } from '../../config';
import { lifecycleEvent, REASONS } from '../../events';
import { quietHoursEnd, verifyEd25519 } from '../../policy';
import type { BroadcastPorts } from '../../ports';
import { BroadcastStore } from '../../store';
import { BROADCAST_CODEC, BROADCAST_CONFIG, BROADCAST_OUTBOX, BROADCAST_PORTS } from '../../tokens';

const REGION = /^[0-9A-Z]{1,10}$/;

export type AcceptOutcome =
  | { kind: 'accepted'; state: 'SCHEDULED' | 'RECEIVING_LIST'; notBefore: number }
  | { kind: 'duplicate' }
  | { kind: 'rejected'; reason: string };

/**
 * Intake of a `smis.broadcasts.v1` record: the sender must be known and allowed to broadcast the
 * category, the signature must verify against the sender directory, the audience must be well
 * formed. The content is stored once in the app channel (not yet visible), then the broadcast is
 * scheduled: urgent at once, others after the sender's quiet hours; a LIST broadcast first waits
 * for its list. ACCEPTED (and DEFERRED for quiet hours) or REJECTED are published as lifecycle
 * events. Idempotent on broadcastId.
 */
@Injectable()
export class AcceptBroadcastUseCase {
  private readonly logger = new Logger('Broadcast');

  constructor(
    @Inject(BROADCAST_CONFIG) private readonly config: BroadcastConfig,
    @Inject(BROADCAST_PORTS) private readonly ports: BroadcastPorts,
    @Inject(BROADCAST_OUTBOX) private readonly outbox: Outbox,
    @Inject(BROADCAST_CODEC) private readonly codec: AvroCodec,
    private readonly store: BroadcastStore,
  ) {}

  /** The reason it must be refused, or null. */
  check(b: Broadcast, now: number): string | null {
    const sender = this.ports.senders.get(b.senderId);
    if (!sender) return REASONS.unknownSender;
    const key = this.ports.senders.signingKey(b.senderId, b.senderKeyId);
    const notAfter = sender.signingKeys.find((k) => k.keyId === b.senderKeyId)?.notAfter;
    if (
      !key ||
      (notAfter !== undefined && Date.parse(String(notAfter)) < now) ||
      !verifyEd25519(broadcastSigningInput(b), b.signature, key)
    )
      return REASONS.badSignature;
    if (sender.policy.broadcastCategories.length === 0) return REASONS.notAllowed;
    if (!sender.policy.broadcastCategories.includes(b.category)) return REASONS.categoryNotAllowed;
    if (b.expiresAt <= now) return REASONS.expired;
    if (b.envelope.length === 0 || b.envelope.length > sender.policy.maxEnvelopeBytes)
      return REASONS.tooLarge;
    const a = b.audience;
    if (a.kind === 'EVERYONE' && (a.regions.length > 0 || a.list)) return REASONS.invalidAudience;
    if (
      a.kind === 'REGIONS' &&
      (a.list ||
        a.regions.length === 0 ||
        a.regions.length > this.config.maxRegions ||
        !a.regions.every((r) => REGION.test(r)))
    )
      return REASONS.invalidAudience;
    if (a.kind === 'LIST') {
      if (!a.list || a.regions.length > 0 || a.list.recipientCount < 1 || a.list.listDigest.length !== 32)
        return REASONS.invalidAudience;
      if (a.list.recipientCount > this.config.maxListRecipients) return REASONS.listTooLarge;
    }
    if (a.kind === 'UNKNOWN') return REASONS.invalidAudience;
    return null;
  }

  async execute(b: Broadcast): Promise<AcceptOutcome> {
    if (await this.store.find(b.broadcastId)) return { kind: 'duplicate' };
    const now = Date.now();
    const facts = { broadcastId: b.broadcastId, senderId: b.senderId };
    const reason = this.check(b, now);
    if (reason) {
      await this.reject(b, reason);
      return { kind: 'rejected', reason };
    }
    const sender = this.ports.senders.get(b.senderId);
    const notBefore = b.priority === 'URGENT' ? now : quietHoursEnd(now, sender?.policy.quietHours);
    await this.ports.delivery.stage({
      broadcastId: b.broadcastId,
      senderId: b.senderId,
      senderKeyId: b.senderKeyId,
      category: b.category,
      priority: b.priority,
      audience: b.audience.kind as 'EVERYONE' | 'REGIONS' | 'LIST',
      regions: b.audience.regions,
      envelope: b.envelope,
      signature: b.signature,
      signingInput: broadcastSigningInput(b),
      createdAt: b.createdAt,
      expiresAt: b.expiresAt,
    });
    const state = b.audience.kind === 'LIST' ? 'RECEIVING_LIST' : 'SCHEDULED';
    const inserted = await this.store.dataSource.transaction(async (manager) => {
      const rows = await this.store.mutate<{ broadcast_id: string }>(
        `INSERT INTO ${this.store.job} ("broadcast_id", "sender_id", "category", "priority", "audience", "regions",
           "state", "not_before", "expires_at", "list_id", "list_expected", "list_expected_digest")
         VALUES ($1, $2, $3, $4, $5, $6::text[], $7, to_timestamp($8 / 1000.0), to_timestamp($9 / 1000.0), $10, $11, $12)
         ON CONFLICT ("broadcast_id") DO NOTHING RETURNING "broadcast_id"`,
        [
          b.broadcastId,
          b.senderId,
          b.category,
          b.priority,
          b.audience.kind,
          [...b.audience.regions],
          state,
          notBefore,
          b.expiresAt,
          b.audience.list?.listId ?? null,
          b.audience.list?.recipientCount ?? null,
          b.audience.list?.listDigest ?? null,
        ],
        manager,
      );
      if (rows.length === 0) return false;
      const entries: OutboxEntry[] = [
        await lifecycleEvent(this.codec, this.config.eventsTopic, facts, 'ACCEPTED'),
      ];
      if (notBefore > now)
        entries.push(
          await lifecycleEvent(this.codec, this.config.eventsTopic, facts, 'DEFERRED', REASONS.quietHours),
        );
      await this.outbox.add(manager, entries);
      return true;
    });
    if (!inserted) return { kind: 'duplicate' };
    this.outbox.notify();
    this.logger.log(
      `Broadcast ${b.broadcastId} of ${b.senderId} accepted (${b.audience.kind}, ${b.priority})`,
    );
    return { kind: 'accepted', state, notBefore };
  }

  private async reject(b: Broadcast, reason: string): Promise<void> {
    await this.store.dataSource.transaction(async (manager) => {
      const rows = await this.store.mutate<{ broadcast_id: string }>(
        `INSERT INTO ${this.store.job} ("broadcast_id", "sender_id", "category", "priority", "audience", "regions",
           "state", "reason", "not_before", "expires_at", "finished_at")
         VALUES ($1, $2, $3, $4, $5, '{}', 'REJECTED', $6, now(), to_timestamp($7 / 1000.0), now())
         ON CONFLICT ("broadcast_id") DO NOTHING RETURNING "broadcast_id"`,
        [b.broadcastId, b.senderId, b.category, b.priority, b.audience.kind, reason, b.expiresAt],
        manager,
      );
      if (rows.length > 0)
        await this.outbox.add(manager, [
          await lifecycleEvent(
            this.codec,
            this.config.eventsTopic,
            { broadcastId: b.broadcastId, senderId: b.senderId },
            'REJECTED',
            reason,
          ),
        ]);
    });
    this.outbox.notify();
    this.logger.warn(`Broadcast ${b.broadcastId} of ${b.senderId} rejected: ${reason}`);
  }
}

/** Thrown by the Kafka handler so a refused record also lands in the DLQ with its reason. */
export class BroadcastRejectedError extends NonRetriableError {}
