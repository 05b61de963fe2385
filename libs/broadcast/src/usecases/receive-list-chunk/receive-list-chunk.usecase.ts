import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AvroCodec } from '@smis/contracts';
import { blake2b } from '@smis/crypto';
import { NonRetriableError, RetriableError } from '@smis/messaging';
import type { Outbox } from '@smis/persistence';
import type { PolymorphicPseudonym } from '@smis/pseudonym';
import type { BroadcastConfig } from '../../config';
import type { BroadcastListChunk } from '../../contracts/records';
import { lifecycleEvent, REASONS } from '../../events';
import { quietHoursEnd } from '../../policy';
import type { BroadcastPorts } from '../../ports';
import { BroadcastStore } from '../../store';
import { BROADCAST_CODEC, BROADCAST_CONFIG, BROADCAST_OUTBOX, BROADCAST_PORTS } from '../../tokens';

export const EMPTY_LIST_DIGEST = Buffer.alloc(32);

/**
 * The list digest (ADR 1100): d₀ = 32 zero bytes, dᵢ = BLAKE2b-256(dᵢ₋₁ ‖ recipients of chunk i, in
 * order); the Broadcast's `listDigest` is the last one. The sender computes it while streaming.
 */
export function chainListDigest(previous: Uint8Array, recipients: readonly Uint8Array[]): Buffer {
  return Buffer.from(blake2b(32, [previous, ...recipients]));
}

export type ChunkOutcome = 'filed' | 'duplicate' | 'completed' | 'rejected' | 'ignored';

/**
 * One chunk of a LIST audience from `smis.broadcasts.lists.v1`: chunks come in order (one
 * partition per broadcastId). The recipients go to the app channel (which files them under its
 * own local pseudonyms) and only counters and the running digest stay here, so memory is one
 * chunk whatever the list size. After the last chunk the count and digest are compared with the
 * Broadcast's list reference: a match schedules the broadcast, a mismatch rejects it.
 */
@Injectable()
export class ReceiveListChunkUseCase {
  private readonly logger = new Logger('Broadcast');

  constructor(
    @Inject(BROADCAST_CONFIG) private readonly config: BroadcastConfig,
    @Inject(BROADCAST_PORTS) private readonly ports: BroadcastPorts,
    @Inject(BROADCAST_OUTBOX) private readonly outbox: Outbox,
    @Inject(BROADCAST_CODEC) private readonly codec: AvroCodec,
    private readonly store: BroadcastStore,
  ) {}

  async execute(chunk: BroadcastListChunk): Promise<ChunkOutcome> {
    const job = await this.store.find(chunk.broadcastId);
    // The Broadcast record travels on another topic: it may not be here yet.
    if (!job)
      throw new RetriableError(`No broadcast ${chunk.broadcastId} yet for list chunk ${chunk.chunkIndex}`);
    if (job.state !== 'RECEIVING_LIST') return job.list_chunks > chunk.chunkIndex ? 'duplicate' : 'ignored';
    if (chunk.listId !== job.list_id)
      throw new NonRetriableError(`List chunk of ${chunk.broadcastId} names another list`);
    if (chunk.chunkIndex < job.list_chunks) return 'duplicate';
    if (chunk.chunkIndex > job.list_chunks)
      throw new RetriableError(
        `List chunk ${chunk.chunkIndex} of ${chunk.broadcastId} before chunk ${job.list_chunks}`,
      );
    if (chunk.recipients.length > this.config.maxChunkRecipients)
      throw new NonRetriableError(
        `List chunk of ${chunk.broadcastId} exceeds ${this.config.maxChunkRecipients}`,
      );
    await this.ports.delivery.addRecipients(
      chunk.broadcastId,
      chunk.recipients.map((r) => r.toString('base64url') as PolymorphicPseudonym),
    );
    const digest = chainListDigest(job.list_digest ?? EMPTY_LIST_DIGEST, chunk.recipients);
    const received = Number(job.list_received) + chunk.recipients.length;
    const expected = Number(job.list_expected);
    const facts = { broadcastId: job.broadcast_id, senderId: job.sender_id };
    let outcome = 'filed' as ChunkOutcome;
    let failure: string | null = null;
    if (received > expected) failure = REASONS.listIncomplete;
    else if (chunk.last && received !== expected) failure = REASONS.listIncomplete;
    else if (chunk.last && !(job.list_expected_digest && digest.equals(job.list_expected_digest)))
      failure = REASONS.listDigest;
    await this.store.dataSource.transaction(async (manager) => {
      const locked = await this.store.find(chunk.broadcastId, manager, true);
      if (!locked || locked.state !== 'RECEIVING_LIST' || locked.list_chunks !== chunk.chunkIndex) {
        outcome = 'duplicate';
        return;
      }
      await this.store.query(
        `UPDATE ${this.store.job} SET "list_chunks" = "list_chunks" + 1, "list_received" = $2, "list_digest" = $3
          WHERE "broadcast_id" = $1`,
        [chunk.broadcastId, received, digest],
        manager,
      );
      if (!chunk.last && failure === null) return;
      if (failure === null) {
        const sender = this.ports.senders.get(job.sender_id);
        const now = Date.now();
        const notBefore = job.priority === 'URGENT' ? now : quietHoursEnd(now, sender?.policy.quietHours);
        await this.store.query(
          `UPDATE ${this.store.job} SET "state" = 'SCHEDULED', "not_before" = to_timestamp($2 / 1000.0) WHERE "broadcast_id" = $1`,
          [chunk.broadcastId, notBefore],
          manager,
        );
        outcome = 'completed';
        return;
      }
      await this.store.query(
        `UPDATE ${this.store.job} SET "state" = 'REJECTED', "reason" = $2, "finished_at" = now() WHERE "broadcast_id" = $1`,
        [chunk.broadcastId, failure],
        manager,
      );
      await this.outbox.add(manager, [
        await lifecycleEvent(this.codec, this.config.eventsTopic, facts, 'REJECTED', failure),
      ]);
      outcome = 'rejected';
    });
    if (outcome === 'rejected') {
      this.outbox.notify();
      await this.ports.delivery.cancel(chunk.broadcastId);
      this.logger.warn(`List of broadcast ${chunk.broadcastId} refused: ${failure}`);
    }
    return outcome;
  }
}
