import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

// OpenAPI shapes of the app API; the use cases validate and return plain views.

export class PushTargetDto {
  @ApiProperty({ enum: ['fcm', 'apns', 'webpush'] }) provider!: string;
  @ApiPropertyOptional({ description: 'FCM registration token or APNs device token (hex)' }) token?: string;
  @ApiPropertyOptional({
    description: 'Web Push subscription (PushSubscription.toJSON())',
    example: { endpoint: 'https://push.example/abc', keys: { p256dh: '<base64url>', auth: '<base64url>' } },
  })
  subscription?: unknown;
}

export class RegisterDeviceDto {
  @ApiProperty({ description: 'Enrolment credential (JWT from identity, audience smis-app-channel)' })
  credential!: string;
  @ApiProperty({ description: 'X25519 public key (base64, 32 bytes) senders seal envelopes to' })
  encryptionPublicKey!: string;
  @ApiProperty({ description: 'Ed25519 public key (base64, 32 bytes) that signs this and later requests' })
  signingPublicKey!: string;
  @ApiPropertyOptional({ type: PushTargetDto, nullable: true }) push?: PushTargetDto | null;
  @ApiPropertyOptional() notificationsEnabled?: boolean;
  @ApiPropertyOptional({ example: 'nl-BE' }) locale?: string;
  @ApiPropertyOptional({ example: '1.4.0' }) appVersion?: string;
}

export class UpdateDeviceDto {
  @ApiPropertyOptional({ type: PushTargetDto, nullable: true }) push?: PushTargetDto | null;
  @ApiPropertyOptional() notificationsEnabled?: boolean;
  @ApiPropertyOptional() locale?: string;
  @ApiPropertyOptional() appVersion?: string;
}

export class RegisteredDeviceDto {
  @ApiProperty() deviceId!: string;
  @ApiProperty({ description: 'Key id of the X25519 key (@smis/crypto)' }) keyId!: string;
  @ApiProperty({ description: 'Identifiers the device is filed under' }) identities!: number;
}

export class DeviceDto {
  @ApiProperty() deviceId!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({ type: String, nullable: true, enum: ['fcm', 'apns', 'webpush'] }) pushProvider!:
    string | null;
  @ApiProperty() notificationsEnabled!: boolean;
  @ApiProperty({ type: String, nullable: true }) locale!: string | null;
  @ApiProperty({ type: String, nullable: true }) appVersion!: string | null;
  @ApiProperty({ format: 'date-time' }) registeredAt!: string;
  @ApiProperty() current!: boolean;
}

export class InboxItemDto {
  @ApiProperty({ format: 'uuid' }) messageId!: string;
  @ApiProperty() senderId!: string;
  @ApiProperty({ enum: ['LOW', 'NORMAL', 'URGENT'] }) priority!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) deliveredAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) readAt!: string | null;
}

export class InboxPageDto {
  @ApiProperty({ type: [InboxItemDto] }) items!: InboxItemDto[];
  @ApiProperty({ description: 'Pass as `after` for the next page' }) cursor!: string;
  @ApiProperty() hasMore!: boolean;
}

export class MessageEnvelopeDto extends InboxItemDto {
  @ApiProperty({ description: 'The sealed envelope (base64) exactly as the sender made it' })
  envelope!: string;
}

export class PreferencesDto {
  @ApiProperty({ enum: ['APP', 'SMS', 'EMAIL'], isArray: true }) channelOrder!: string[];
  @ApiProperty({ type: [String] }) mutedSenders!: string[];
  @ApiProperty({ type: [String] }) mutedCategories!: string[];
  @ApiProperty({ type: [String], description: 'NIS region codes for broadcast alerts' })
  alertRegions!: string[];
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) updatedAt!: string | null;
}

export class UpdatePreferencesDto {
  @ApiPropertyOptional({ enum: ['APP', 'SMS', 'EMAIL'], isArray: true }) channelOrder?: string[];
  @ApiPropertyOptional({ type: [String] }) mutedSenders?: string[];
  @ApiPropertyOptional({ type: [String] }) mutedCategories?: string[];
  @ApiPropertyOptional({ type: [String] }) alertRegions?: string[];
}

export class SenderKeyDto {
  @ApiProperty() keyId!: string;
  @ApiProperty({ description: 'Ed25519 public key, base64' }) publicKey!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) notAfter!: string | null;
}

export class SenderDirectoryEntryDto {
  @ApiProperty() senderId!: string;
  @ApiProperty({ example: { en: 'Tax office', nl: 'FOD Financiën' } }) displayName!: Record<string, string>;
  @ApiProperty({ type: String, nullable: true }) logo!: string | null;
  @ApiProperty({ type: [SenderKeyDto] }) signingKeys!: SenderKeyDto[];
}
