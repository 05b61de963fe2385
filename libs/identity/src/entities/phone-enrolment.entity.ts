import { Column, Entity, PrimaryColumn } from 'typeorm';

export type PhoneEnrolmentStatus = 'CODE_SENT' | 'COMPLETED' | 'LOCKED' | 'EXPIRED';

/**
 * A phone enrolment while it happens. No phone number in clear: the number is kept sealed to the
 * SMS channel (identity cannot open it) and as a polymorphic pseudonym, both erased when the
 * enrolment ends; the code only as an HMAC.
 */
@Entity({ name: 'phone_enrolment' })
export class PhoneEnrolmentRecord {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  status!: PhoneEnrolmentStatus;

  @Column({ type: 'bytea', name: 'code_salt', nullable: true })
  codeSalt!: Buffer | null;

  @Column({ type: 'bytea', name: 'code_hash', nullable: true })
  codeHash!: Buffer | null;

  /** Code attempts so far (right or wrong). */
  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'bytea', name: 'sealed_phone_number', nullable: true })
  sealedPhoneNumber!: Buffer | null;

  @Column({ type: 'text', name: 'polymorphic_pseudonym', nullable: true })
  polymorphicPseudonym!: string | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', name: 'finished_at', nullable: true })
  finishedAt!: Date | null;
}
