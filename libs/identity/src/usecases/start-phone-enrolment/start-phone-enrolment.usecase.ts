import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Outbox } from '@smis/persistence';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Clock } from '../../clock';
import type { IdentityConfig } from '../../config';
import { generateCode, generateSalt, hashCode } from '../../crypto/otp-code';
import { sealTo } from '../../crypto/sealed-box';
import { CitizenPseudonyms } from '../../enrolment/citizen-pseudonyms';
import { EnrolmentRecords } from '../../enrolment/enrolment-records';
import { RateLimiter } from '../../enrolment/rate-limiter';
import { PhoneEnrolmentRecord } from '../../entities';
import { RateLimitedError } from '../../errors';
import { IDENTITY_CLOCK, IDENTITY_CONFIG, IDENTITY_DATA_SOURCE, IDENTITY_OUTBOX } from '../../tokens';
import type { StartPhoneEnrolmentCommand } from './start-phone-enrolment.command';

export interface PhoneEnrolmentStarted {
  enrolmentId: string;
  /** When the code stops being valid (epoch milliseconds). */
  expiresAt: number;
}

/**
 * Starts a phone enrolment: rate limits (per number and per client address, keyed hashes), a
 * fresh 6-digit code stored as an HMAC, and an OtpRequest to the SMS channel with the number
 * and the text sealed to its key. All in one transaction with the audit events.
 */
@Injectable()
export class StartPhoneEnrolmentUseCase {
  private readonly logger = new Logger('IdentityEnrolment');

  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(IDENTITY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(IDENTITY_OUTBOX) private readonly outbox: Outbox,
    @Inject(IDENTITY_CLOCK) private readonly clock: Clock,
    private readonly limiter: RateLimiter,
    private readonly records: EnrolmentRecords,
    private readonly pseudonyms: CitizenPseudonyms,
  ) {}

  async execute(command: StartPhoneEnrolmentCommand): Promise<PhoneEnrolmentStarted> {
    const now = this.clock.now();
    const enrolmentId = randomUUID();
    const expiresAt = now + this.config.otp.ttlSeconds * 1000;
    const numberBucket = this.limiter.bucket('number', command.e164);
    const addressBucket = this.limiter.bucket('address', command.clientAddress);

    const code = generateCode();
    const salt = generateSalt();
    const codeHash = hashCode(this.config.codePepper, salt, enrolmentId, code);
    const smsKey = this.config.smsChannelPublicKey;
    const sealedNumber = sealTo(smsKey, command.e164);
    const sealedText = sealTo(smsKey, this.config.otp.text.replace('{code}', code));
    const pp = this.pseudonyms.polymorphic(`tel:${command.e164}`);

    const refusal = await this.dataSource.transaction(async (manager) => {
      const byAddress = await this.limiter.hit(
        manager,
        addressBucket,
        this.config.rateLimits.perAddress,
        now,
      );
      const byNumber = await this.limiter.hit(manager, numberBucket, this.config.rateLimits.perNumber, now);
      if (!byAddress.allowed || !byNumber.allowed) {
        const reason = byNumber.allowed ? 'rate-limited-address' : 'rate-limited-number';
        await this.outbox.add(manager, [
          await this.records.audit(enrolmentId, 'SMS_OTP', 'FAILED', now, { reason }),
        ]);
        return {
          reason,
          retryAfterSeconds: Math.max(
            byAddress.allowed ? 0 : byAddress.retryAfterSeconds,
            byNumber.allowed ? 0 : byNumber.retryAfterSeconds,
          ),
        };
      }
      await manager.getRepository(PhoneEnrolmentRecord).insert({
        id: enrolmentId,
        status: 'CODE_SENT',
        codeSalt: salt,
        codeHash,
        attempts: 0,
        sealedPhoneNumber: sealedNumber,
        polymorphicPseudonym: pp,
        createdAt: new Date(now),
        expiresAt: new Date(expiresAt),
        finishedAt: null,
      });
      await this.outbox.add(manager, [
        await this.records.audit(enrolmentId, 'SMS_OTP', 'STARTED', now),
        await this.records.otpRequest(enrolmentId, sealedNumber, sealedText, now, expiresAt),
        await this.records.audit(enrolmentId, 'SMS_OTP', 'CODE_SENT', now),
      ]);
      return undefined;
    });
    this.outbox.notify();
    if (refusal) {
      this.logger.warn(`Phone enrolment ${enrolmentId} refused: ${refusal.reason}`);
      throw new RateLimitedError(refusal.retryAfterSeconds);
    }
    this.logger.log(`Phone enrolment ${enrolmentId} started; code sent through the SMS channel`);
    return { enrolmentId, expiresAt };
  }
}
