import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ProblemDetailsDto {
  @ApiProperty({ example: 'https://smis.example/problems/identity/code-rejected' }) type!: string;
  @ApiProperty() title!: string;
  @ApiProperty() status!: number;
  @ApiProperty() detail!: string;
  @ApiPropertyOptional() instance?: string;
}

export class StartPhoneEnrolmentDto {
  @ApiProperty({
    description: 'The phone number, E.164 or national (Belgian by default)',
    example: '+32470123456',
  })
  phoneNumber!: string;
}

export class PhoneEnrolmentStartedDto {
  @ApiProperty({ format: 'uuid' }) enrolmentId!: string;
  @ApiProperty({ description: 'When the code stops being valid (epoch ms)' }) expiresAt!: number;
}

export class VerifyCodeDto {
  @ApiProperty({ description: 'The 6-digit code received by SMS', example: '123456' }) code!: string;
}

export class CredentialDto {
  @ApiProperty({ description: 'Enrolment credential: JWT (EdDSA), audience smis-app-channel' })
  credential!: string;
  @ApiProperty({ description: 'Epoch ms' }) expiresAt!: number;
  @ApiProperty({ type: [String], example: ['sms_otp', 'oidc'] }) methods!: string[];
}

export class StartOidcDto {
  @ApiPropertyOptional({
    description: 'The phone enrolment credential to link with the strong authentication',
  })
  link?: string;
}

export class OidcStartedDto {
  @ApiProperty({ format: 'uuid' }) enrolmentId!: string;
  @ApiProperty({ description: "Open in the citizen's browser" }) authorizationUrl!: string;
  @ApiProperty({ description: 'Epoch ms' }) expiresAt!: number;
}

export class TranscryptRequestDto {
  @ApiProperty({ enum: ['router', 'app', 'sms', 'email'] }) domain!: string;
  @ApiProperty({ type: [String], description: 'Polymorphic pseudonyms (base64url, 64 bytes)' })
  pseudonyms!: string[];
}

export class TranscryptResponseDto {
  @ApiProperty() domain!: string;
  @ApiProperty({
    description:
      'In input order: {ok: true, value: <encrypted pseudonym>} or {ok: false, error: {code, detail}}',
    type: 'array',
    items: { type: 'object' },
  })
  results!: unknown[];
}
