import { OutboxRecord } from '@smis/persistence';
import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { Channel } from '@smis/contracts';

/** Epoch milliseconds in BIGINT columns (the router's clock is injectable, so times are numbers). */
const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

export type Decision = 'ACCEPTED' | 'DEFERRED' | 'REJECTED' | 'DUPLICATE';
/** DEFERRED: waiting for its release timer; ACTIVE: a channel is trying; DONE: nothing more to do. */
export type PlanState = 'DEFERRED' | 'ACTIVE' | 'DONE' | 'REJECTED';
export type Outcome = 'DELIVERED' | 'FAILED' | 'EXPIRED';

/**
 * One message request of an authenticated sender and its delivery plan. Payloads (envelope,
 * sealed texts) and the channel-domain pseudonyms stay until the plan is done, then are erased.
 */
@Entity({ name: 'message' })
export class MessageRecord {
  @PrimaryColumn({ type: 'uuid', name: 'message_id' })
  messageId!: string;

  @Column({ type: 'text', name: 'sender_id' })
  senderId!: string;

  @Column({ type: 'text', name: 'idempotency_key' })
  idempotencyKey!: string;

  /** For DUPLICATE: the message first sent with the same idempotency key. */
  @Column({ type: 'uuid', name: 'duplicate_of', nullable: true })
  duplicateOf!: string | null;

  @Column({ type: 'uuid', name: 'plan_id' })
  planId!: string;

  /** The citizen's router-domain local pseudonym (null when the recipient could not be read). */
  @Column({ type: 'text', nullable: true })
  recipient!: string | null;

  @Column({ type: 'text' })
  category!: string;

  @Column({ type: 'text' })
  priority!: string;

  @Column({ type: 'bytea', name: 'content_digest' })
  contentDigest!: Buffer;

  @Column({ type: 'bigint', name: 'expires_at', transformer: epochMs })
  expiresAt!: number;

  @Column({ type: 'int', name: 'fallback_window_s' })
  fallbackWindowSeconds!: number;

  @Column({ type: 'text' })
  decision!: Decision;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'text' })
  state!: PlanState;

  @Column({ type: 'text', nullable: true })
  outcome!: Outcome | null;

  @Column({ type: 'text', array: true })
  channels!: Channel[];

  /** Index in `channels` of the channel trying now. */
  @Column({ type: 'int' })
  step!: number;

  /** Jobs issued so far (the attempt number of the latest). */
  @Column({ type: 'int' })
  attempt!: number;

  @Column({ type: 'boolean', name: 'app_confirmed' })
  appConfirmed!: boolean;

  @Column({ type: 'bigint', name: 'delivered_at', nullable: true, transformer: epochMs })
  deliveredAt!: number | null;

  @Column({ type: 'bigint', name: 'read_at', nullable: true, transformer: epochMs })
  readAt!: number | null;

  @Column({ type: 'bytea', name: 'app_recipient', nullable: true })
  appRecipient!: Buffer | null;

  @Column({ type: 'bytea', name: 'sms_recipient', nullable: true })
  smsRecipient!: Buffer | null;

  @Column({ type: 'bytea', name: 'email_recipient', nullable: true })
  emailRecipient!: Buffer | null;

  @Column({ type: 'bytea', nullable: true })
  envelope!: Buffer | null;

  @Column({ type: 'bytea', name: 'sms_payload', nullable: true })
  smsPayload!: Buffer | null;

  @Column({ type: 'bytea', name: 'email_payload', nullable: true })
  emailPayload!: Buffer | null;

  @Column({ type: 'bigint', name: 'received_at', transformer: epochMs })
  receivedAt!: number;

  @Column({ type: 'bigint', name: 'updated_at', transformer: epochMs })
  updatedAt!: number;
}

export type TimerKind = 'fallback' | 'release';

/** A due instant of a plan (fallback window end, end of a deferral), claimed with SKIP LOCKED. */
@Entity({ name: 'timer' })
export class TimerRecord {
  @PrimaryColumn({ type: 'uuid', name: 'message_id' })
  messageId!: string;

  @PrimaryColumn({ type: 'text' })
  kind!: TimerKind;

  @Column({ type: 'bigint', name: 'due_at', transformer: epochMs })
  dueAt!: number;

  /** For fallback timers: the attempt the timer watches. */
  @Column({ type: 'int' })
  attempt!: number;
}

/** Delivery events already applied (idempotency by eventId). */
@Entity({ name: 'processed_event' })
export class ProcessedEventRecord {
  @PrimaryColumn({ type: 'uuid', name: 'event_id' })
  eventId!: string;

  @Column({ type: 'bigint', name: 'processed_at', transformer: epochMs })
  processedAt!: number;
}

/** A citizen's preferences by router-domain local pseudonym, from smis.preferences.v1. */
@Entity({ name: 'preference' })
export class PreferenceRecord {
  @PrimaryColumn({ type: 'text' })
  recipient!: string;

  /** The record key on the preferences topic (the app channel's opaque id), for tombstones. */
  @Column({ type: 'text', name: 'source_key' })
  sourceKey!: string;

  @Column({ type: 'text', name: 'channel_order', array: true })
  channelOrder!: Channel[];

  @Column({ type: 'text', name: 'muted_senders', array: true })
  mutedSenders!: string[];

  @Column({ type: 'text', name: 'muted_categories', array: true })
  mutedCategories!: string[];

  @Column({ type: 'bigint', name: 'updated_at', transformer: epochMs })
  updatedAt!: number;
}

/** Messages a sender got accepted or deferred per Brussels day (daily quota). */
@Entity({ name: 'sender_day' })
export class SenderDayRecord {
  @PrimaryColumn({ type: 'text', name: 'sender_id' })
  senderId!: string;

  @PrimaryColumn({ type: 'text' })
  day!: string;

  @Column({ type: 'int' })
  count!: number;
}

/** The sender's rate state (GCRA theoretical arrival time). */
@Entity({ name: 'sender_rate' })
export class SenderRateRecord {
  @PrimaryColumn({ type: 'text', name: 'sender_id' })
  senderId!: string;

  /** Epoch ms with a fraction (high rates space messages by less than a millisecond). */
  @Column({ type: 'double precision' })
  tat!: number;
}

export const ROUTER_ENTITIES = [
  MessageRecord,
  TimerRecord,
  ProcessedEventRecord,
  PreferenceRecord,
  SenderDayRecord,
  SenderRateRecord,
  OutboxRecord,
];
