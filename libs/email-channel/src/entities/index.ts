import { OutboxRecord } from '@smis/persistence';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The e-mail address of an email-domain pseudonym, encrypted at rest; the latest registration wins. */
@Entity({ name: 'email_address' })
export class EmailAddressRecord {
  @PrimaryColumn({ type: 'text', name: 'local_pseudonym' })
  localPseudonym!: string;

  @Column({ type: 'bytea', name: 'address_box', nullable: true })
  addressBox!: Buffer | null;

  @Column({ type: 'bigint', name: 'occurred_at' })
  occurredAt!: string;

  @Column({ type: 'uuid', name: 'registration_id' })
  registrationId!: string;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

/** One e-mail job attempt: pending → sending → sent | failed | expired. */
@Entity({ name: 'email_submission' })
export class EmailSubmissionRecord {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'uuid', name: 'message_id' })
  messageId!: string;

  @Column({ type: 'int' })
  attempt!: number;

  @Column({ type: 'text', name: 'sender_id' })
  senderId!: string;

  @Column({ type: 'text', name: 'plan_id' })
  planId!: string;

  @Column({ type: 'text' })
  state!: 'pending' | 'sending' | 'sent' | 'failed' | 'expired';

  /** Temporary SMTP failures so far. */
  @Column({ type: 'int', name: 'temporary_failures' })
  temporaryFailures!: number;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

export const EMAIL_CHANNEL_ENTITIES = [OutboxRecord, EmailAddressRecord, EmailSubmissionRecord];
