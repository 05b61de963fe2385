import { Column, Entity, PrimaryColumn } from 'typeorm';

export type SubscriptionDelivery = 'topic' | 'webhook' | 'both';

/** Which statuses a sender wants, and where: its status topic, a webhook, or both. */
@Entity({ name: 'subscription' })
export class SubscriptionRecord {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text', name: 'sender_id' })
  senderId!: string;

  /** DeliveryStatus names (ACCEPTED, ..., FALLBACK, EXPIRED). */
  @Column({ type: 'text', name: 'event_types', array: true })
  eventTypes!: string[];

  @Column({ type: 'text' })
  delivery!: SubscriptionDelivery;

  @Column({ type: 'text', name: 'webhook_url', nullable: true })
  webhookUrl!: string | null;

  /** The webhook secret, sealed (AES-256-GCM, see SecretBox); never stored or logged in clear. */
  @Column({ type: 'text', name: 'secret_ciphertext', nullable: true })
  secretCiphertext!: string | null;

  /** False after the webhook exhausted its retry window (or when the sender pauses it). */
  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'text', name: 'disabled_reason', nullable: true })
  disabledReason!: string | null;

  @Column({ type: 'timestamptz', name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}
