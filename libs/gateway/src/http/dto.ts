import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TokenRequestDto {
  @ApiProperty({ example: 'client_credentials' }) grant_type!: string;
  @ApiProperty({ example: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' })
  client_assertion_type!: string;
  @ApiProperty({
    description:
      "JWT signed with the sender's Ed25519 key (EdDSA): iss = sub = senderId, aud = the token URL, exp, jti",
  })
  client_assertion!: string;
  @ApiPropertyOptional({ description: 'The senderId (optional; must equal the assertion issuer)' })
  client_id?: string;
}

export class TokenResponseDto {
  @ApiProperty() access_token!: string;
  @ApiProperty({ example: 'Bearer' }) token_type!: string;
  @ApiProperty({ example: 300 }) expires_in!: number;
}

class ContentPartDto {
  @ApiProperty({ enum: ['TEXT', 'IMAGE', 'QR', 'EBOX_LINK', 'WALLET_OFFER'] }) kind!: string;
  @ApiProperty() sizeBytes!: number;
}

class ContentMetadataDto {
  @ApiProperty({ type: [String], example: ['nl', 'fr'] }) languages!: string[];
  @ApiProperty({ type: [ContentPartDto] }) parts!: ContentPartDto[];
  @ApiProperty() totalSizeBytes!: number;
}

/** A MessageRequest (schemas/message-request) as JSON; bytes as base64. */
export class MessageRequestDto {
  @ApiProperty({ format: 'uuid' }) messageId!: string;
  @ApiProperty() senderId!: string;
  @ApiProperty({ description: '16 hex characters' }) senderKeyId!: string;
  @ApiProperty() idempotencyKey!: string;
  @ApiProperty({ description: 'epoch milliseconds' }) createdAt!: number;
  @ApiProperty({ description: 'epoch milliseconds' }) expiresAt!: number;
  @ApiProperty({ format: 'byte', description: 'polymorphic pseudonym, 64 bytes' }) recipient!: string;
  @ApiProperty({ example: 'health' }) category!: string;
  @ApiProperty({ enum: ['LOW', 'NORMAL', 'URGENT'] }) priority!: string;
  @ApiProperty() fallbackWindowSeconds!: number;
  @ApiProperty({ enum: ['APP', 'SMS', 'EMAIL'], isArray: true }) allowedChannels!: string[];
  @ApiProperty({ format: 'byte', description: 'sealed envelope' }) envelope!: string;
  @ApiPropertyOptional({ format: 'byte', nullable: true }) smsFallback!: string | null;
  @ApiPropertyOptional({ format: 'byte', nullable: true }) emailFallback!: string | null;
  @ApiProperty({ type: ContentMetadataDto }) content!: ContentMetadataDto;
  @ApiProperty({ format: 'byte', description: '32 bytes' }) contentDigest!: string;
  @ApiProperty({ format: 'byte', description: 'Ed25519 signature over messageRequestSigningInput, 64 bytes' })
  signature!: string;
}

class DeviceKeyDto {
  @ApiProperty() keyId!: string;
  @ApiProperty({ format: 'byte' }) publicKey!: string;
}

export class ReachabilityDto {
  @ApiProperty() appInstalled!: boolean;
  @ApiProperty() notificationsEnabled!: boolean;
  @ApiProperty({ type: [DeviceKeyDto] }) devices!: DeviceKeyDto[];
}

export class SubmitResponseDto {
  @ApiProperty({ format: 'uuid' }) messageId!: string;
  @ApiProperty({ type: ReachabilityDto }) reachability!: ReachabilityDto;
}

export class KeyLookupDto {
  @ApiProperty({ format: 'byte', description: 'polymorphic pseudonym, 64 bytes' }) recipient!: string;
}

export class KeyLookupBatchDto {
  @ApiProperty({
    type: [String],
    format: 'byte',
    minItems: 1,
    description:
      'polymorphic pseudonyms, 64 bytes each (base64 or base64url); at most maxLookupBatch ' +
      '(SMIS_GATEWAY_MAX_LOOKUP_BATCH, default 100), each one counts against the key lookup limit',
  })
  recipients!: string[];
}

export class KeyLookupBatchResponseDto {
  @ApiProperty({ type: [ReachabilityDto], description: 'one answer per recipient, in the same order' })
  results!: ReachabilityDto[];
}
