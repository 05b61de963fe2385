import { OutboxRecord } from '@smis/persistence';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A registered device: its public keys and push address. Revoked devices keep no push token. */
@Entity({ name: 'device' })
export class DeviceEntity {
  @PrimaryColumn({ name: 'device_id', type: 'text' }) deviceId!: string;
  /** Key id (@smis/crypto) of the X25519 key senders seal to. */
  @Column({ name: 'key_id', type: 'text' }) keyId!: string;
  @Column({ name: 'encryption_public_key', type: 'text' }) encryptionPublicKey!: string;
  @Column({ name: 'signing_public_key', type: 'text' }) signingPublicKey!: string;
  @Column({ name: 'push_provider', type: 'text', nullable: true }) pushProvider!: string | null;
  /** FCM/APNs token, or the Web Push subscription as JSON. */
  @Column({ name: 'push_token', type: 'text', nullable: true }) pushToken!: string | null;
  @Column({ name: 'notifications_enabled', type: 'boolean' }) notificationsEnabled!: boolean;
  @Column({ name: 'locale', type: 'text', nullable: true }) locale!: string | null;
  @Column({ name: 'app_version', type: 'text', nullable: true }) appVersion!: string | null;
  @Column({ name: 'active', type: 'boolean' }) active!: boolean;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
}

/** A device is filed under each app-domain local pseudonym of its enrolment credential. */
@Entity({ name: 'device_pseudonym' })
export class DevicePseudonymEntity {
  @PrimaryColumn({ name: 'device_id', type: 'text' }) deviceId!: string;
  @PrimaryColumn({ name: 'pseudonym', type: 'text' }) pseudonym!: string;
}

/** Per app-domain local pseudonym: a polymorphic pseudonym (for router-domain lookups) and the preferences. */
@Entity({ name: 'citizen' })
export class CitizenEntity {
  @PrimaryColumn({ name: 'pseudonym', type: 'text' }) pseudonym!: string;
  @Column({ name: 'polymorphic_pseudonym', type: 'text', nullable: true }) polymorphicPseudonym!:
    string | null;
  @Column({ name: 'preferences', type: 'jsonb', nullable: true }) preferences!: unknown;
  @Column({ name: 'preferences_updated_at', type: 'timestamptz', nullable: true })
  preferencesUpdatedAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** A message in a citizen's inbox: the sealed envelope as the sender made it, until it expires. */
@Entity({ name: 'inbox_message' })
export class InboxMessageEntity {
  @PrimaryColumn({ name: 'message_id', type: 'text' }) messageId!: string;
  @Column({ name: 'seq', type: 'bigint' }) seq!: string;
  @Column({ name: 'pseudonym', type: 'text' }) pseudonym!: string;
  @Column({ name: 'sender_id', type: 'text' }) senderId!: string;
  @Column({ name: 'plan_id', type: 'text' }) planId!: string;
  @Column({ name: 'attempt', type: 'integer' }) attempt!: number;
  @Column({ name: 'priority', type: 'text' }) priority!: string;
  @Column({ name: 'envelope', type: 'bytea', nullable: true }) envelope!: Buffer | null;
  @Column({ name: 'key_ids', type: 'text', array: true }) keyIds!: string[];
  @Column({ name: 'received_at', type: 'timestamptz' }) receivedAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true }) dispatchedAt!: Date | null;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt!: Date | null;
  @Column({ name: 'read_at', type: 'timestamptz', nullable: true }) readAt!: Date | null;
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true }) deletedAt!: Date | null;
}

/** Digests of accepted device request signatures, until they fall out of the clock-skew window. */
@Entity({ name: 'request_nonce' })
export class RequestNonceEntity {
  @PrimaryColumn({ name: 'digest', type: 'text' }) digest!: string;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
}

export const APP_CHANNEL_ENTITIES = [
  OutboxRecord,
  DeviceEntity,
  DevicePseudonymEntity,
  CitizenEntity,
  InboxMessageEntity,
  RequestNonceEntity,
];

/** Names of every table (for trust-boundary checks). */
export const APP_CHANNEL_TABLES = [
  'device',
  'device_pseudonym',
  'citizen',
  'inbox_message',
  'request_nonce',
  'outbox',
  'broadcast',
  'broadcast_recipient',
  'broadcast_receipt',
  'device_topic',
];
