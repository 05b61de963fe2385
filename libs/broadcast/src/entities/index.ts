import { OutboxRecord } from '@smis/persistence';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One broadcast: its schedule, state, list intake and fan-out progress. No recipient, no content. */
@Entity({ name: 'broadcast_job' })
export class BroadcastJobEntity {
  @PrimaryColumn({ name: 'broadcast_id', type: 'text' }) broadcastId!: string;
  @Column({ name: 'sender_id', type: 'text' }) senderId!: string;
  @Column({ name: 'category', type: 'text' }) category!: string;
  @Column({ name: 'priority', type: 'text' }) priority!: string;
  @Column({ name: 'audience', type: 'text' }) audience!: string;
  @Column({ name: 'regions', type: 'text', array: true }) regions!: string[];
  @Column({ name: 'state', type: 'text' }) state!: string;
  @Column({ name: 'reason', type: 'text', nullable: true }) reason!: string | null;
  @Column({ name: 'not_before', type: 'timestamptz' }) notBefore!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @Column({ name: 'list_id', type: 'text', nullable: true }) listId!: string | null;
  @Column({ name: 'list_expected', type: 'bigint', nullable: true }) listExpected!: string | null;
  @Column({ name: 'list_chunks', type: 'integer' }) listChunks!: number;
  @Column({ name: 'list_received', type: 'bigint' }) listReceived!: string;
  @Column({ name: 'list_digest', type: 'bytea', nullable: true }) listDigest!: Buffer | null;
  @Column({ name: 'list_expected_digest', type: 'bytea', nullable: true }) listExpectedDigest!: Buffer | null;
  @Column({ name: 'devices_targeted', type: 'bigint', nullable: true }) devicesTargeted!: string | null;
  @Column({ name: 'topics_done', type: 'integer' }) topicsDone!: number;
  @Column({ name: 'topic_messages', type: 'bigint' }) topicMessages!: string;
  @Column({ name: 'device_cursor', type: 'text', nullable: true }) deviceCursor!: string | null;
  @Column({ name: 'pushes_sent', type: 'bigint' }) pushesSent!: string;
  @Column({ name: 'pushes_failed', type: 'bigint' }) pushesFailed!: string;
  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true }) claimedUntil!: Date | null;
  @Column({ name: 'progress_at', type: 'timestamptz', nullable: true }) progressAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}

export const BROADCAST_ENTITIES = [OutboxRecord, BroadcastJobEntity];
export const BROADCAST_TABLES = ['broadcast_job', 'outbox'];
