import { Inject, Injectable } from '@nestjs/common';
import type { AvroCodec, EnrolmentMethod, EnrolmentOutcome } from '@smis/contracts';
import type { OutboxEntry } from '@smis/persistence';
import { randomUUID } from 'node:crypto';
import type { IdentityConfig } from '../config';
import { IDENTITY_CODEC, IDENTITY_CONFIG } from '../tokens';

export const PRODUCER = 'identity';

/** Builds the outbox entries of the enrolment topics (encoded Avro, keyed as TOPIC_CONTRACTS says). */
@Injectable()
export class EnrolmentRecords {
  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(IDENTITY_CODEC) private readonly codec: AvroCodec,
  ) {}

  /** An EnrolmentAuditEvent: outcome and reason code only, never a code, number or identity. */
  async audit(
    enrolmentId: string,
    method: EnrolmentMethod,
    outcome: EnrolmentOutcome,
    occurredAt: number,
    extra: { reason?: string; attempt?: number } = {},
  ): Promise<OutboxEntry> {
    return {
      topic: this.config.topics.enrolmentAudit,
      key: enrolmentId,
      value: await this.codec.encode('EnrolmentAuditEvent', {
        eventId: randomUUID(),
        enrolmentId,
        method,
        outcome,
        reason: extra.reason ?? null,
        attempt: extra.attempt ?? null,
        occurredAt,
        producer: PRODUCER,
      }),
    };
  }

  async otpRequest(
    enrolmentId: string,
    sealedPhoneNumber: Buffer,
    sealedText: Buffer,
    createdAt: number,
    expiresAt: number,
  ): Promise<OutboxEntry> {
    return {
      topic: this.config.topics.otpRequests,
      key: enrolmentId,
      value: await this.codec.encode('OtpRequest', {
        otpRequestId: randomUUID(),
        enrolmentId,
        sealedPhoneNumber,
        recipient: null,
        sealedText,
        createdAt,
        expiresAt,
      }),
    };
  }

  /** `recipient`: the raw 64-byte sms-domain ciphertext (ADR 4: raw ciphertexts on the wire). */
  async phoneRegistration(
    enrolmentId: string,
    recipient: Buffer,
    sealedPhoneNumber: Buffer,
    occurredAt: number,
  ): Promise<OutboxEntry> {
    const registrationId = randomUUID();
    return {
      topic: this.config.topics.phoneRegistrations,
      key: registrationId,
      value: await this.codec.encode('PhoneRegistration', {
        registrationId,
        enrolmentId,
        action: 'REGISTERED',
        recipient,
        sealedPhoneNumber,
        occurredAt,
      }),
    };
  }
}
