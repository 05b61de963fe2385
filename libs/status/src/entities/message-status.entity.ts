import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A message's aggregated status (one row per message), moved only forward by the precedence rules. */
@Entity({ name: 'message_status' })
export class MessageStatusRecord {
  @PrimaryColumn({ type: 'uuid', name: 'message_id' })
  messageId!: string;

  /** The sender the message belongs to: every read is scoped by it. */
  @Column({ type: 'text', name: 'sender_id' })
  senderId!: string;

  /** Null while the message is known only from events that change no status (FALLBACK, UNKNOWN). */
  @Column({ type: 'text', nullable: true })
  status!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** The event that brought the message to `status`. */
  @Column({ type: 'uuid', name: 'status_event_id', nullable: true })
  statusEventId!: string | null;

  @Column({ type: 'timestamptz', name: 'status_occurred_at', nullable: true })
  statusOccurredAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
