import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A started strong-authentication enrolment, found again by its `state` (stored as SHA-256).
 * `link` holds the verified claims of the phone credential the app presented, if any (sealed
 * number and pseudonyms, no identifier). Deleted when the callback arrives or it expires.
 */
@Entity({ name: 'oidc_transaction' })
export class OidcTransactionRecord {
  @PrimaryColumn({ type: 'bytea', name: 'state_hash' })
  stateHash!: Buffer;

  @Column({ type: 'uuid', name: 'enrolment_id' })
  enrolmentId!: string;

  @Column({ type: 'text' })
  nonce!: string;

  @Column({ type: 'text', name: 'code_verifier' })
  codeVerifier!: string;

  @Column({ type: 'jsonb', nullable: true })
  link!: { pp: string[]; sms: string; methods: string[] } | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'expires_at' })
  expiresAt!: Date;
}
