import { OutboxRecord } from '@smis/persistence';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The phone number of an sms-domain pseudonym, encrypted at rest; the latest registration wins. */
@Entity({ name: 'phone_number' })
export class PhoneNumberRecord {
  @PrimaryColumn({ type: 'text', name: 'local_pseudonym' })
  localPseudonym!: string;

  /** secretbox of the E.164 number (see ChannelSecrets); null once REMOVED. */
  @Column({ type: 'bytea', name: 'number_box', nullable: true })
  numberBox!: Buffer | null;

  /** The registration's occurredAt (epoch ms): an older one never overwrites a newer one. */
  @Column({ type: 'bigint', name: 'occurred_at' })
  occurredAt!: string;

  @Column({ type: 'uuid', name: 'registration_id' })
  registrationId!: string;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

export type SubmissionState = 'pending' | 'submitting' | 'submitted' | 'delivered' | 'failed' | 'expired';

/**
 * One SMS the channel was asked to send (a job attempt or an OTP request) and where it stands.
 * `id` is the client reference the provider keeps (docs/adr/0701-idempotent-sms-submission.md).
 */
@Entity({ name: 'sms_submission' })
export class SmsSubmissionRecord {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** `message` (SmsChannelJob) or `otp` (OtpRequest). */
  @Column({ type: 'text' })
  kind!: 'message' | 'otp';

  /** messageId or otpRequestId. */
  @Column({ type: 'text', name: 'source_id' })
  sourceId!: string;

  @Column({ type: 'int' })
  attempt!: number;

  @Column({ type: 'text', name: 'sender_id', nullable: true })
  senderId!: string | null;

  @Column({ type: 'text', name: 'plan_id', nullable: true })
  planId!: string | null;

  @Column({ type: 'text' })
  state!: SubmissionState;

  @Column({ type: 'bigint', name: 'expires_at' })
  expiresAt!: string;

  /** Still sealed to the channel key; cleared once the provider has the message. */
  @Column({ type: 'bytea', name: 'sealed_text', nullable: true })
  sealedText!: Buffer | null;

  /** OTP to a number not registered yet: the sealed number; cleared once submitted. */
  @Column({ type: 'bytea', name: 'sealed_number', nullable: true })
  sealedNumber!: Buffer | null;

  @Column({ type: 'text', name: 'local_pseudonym', nullable: true })
  localPseudonym!: string | null;

  @Column({ type: 'text', name: 'provider_id', nullable: true })
  providerId!: string | null;

  @Column({ type: 'text', name: 'provider_message_id', nullable: true })
  providerMessageId!: string | null;

  @Column({ type: 'text', nullable: true })
  encoding!: string | null;

  @Column({ type: 'int', nullable: true })
  segments!: number | null;

  /** segments × the provider's price per segment, in euros. */
  @Column({ type: 'numeric', precision: 14, scale: 6, name: 'cost_eur', nullable: true })
  costEur!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'timestamptz', name: 'submitted_at', nullable: true })
  submittedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'reported_at', nullable: true })
  reportedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

/** A message the app delivered, so no SMS was needed: counted once per message. */
@Entity({ name: 'sms_avoided' })
export class SmsAvoidedRecord {
  @PrimaryColumn({ type: 'uuid', name: 'message_id' })
  messageId!: string;

  @Column({ type: 'text', name: 'sender_id' })
  senderId!: string;

  @Column({ type: 'timestamptz', name: 'occurred_at' })
  occurredAt!: Date;
}

export const SMS_CHANNEL_ENTITIES = [OutboxRecord, PhoneNumberRecord, SmsSubmissionRecord, SmsAvoidedRecord];
