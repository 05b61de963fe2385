import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { EncryptedPseudonym, PolymorphicPseudonym } from '@smis/pseudonym';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../clock';
import type { IdentityConfig } from '../../config';
import { CredentialIssuer, type EnrolmentMethodClaim } from '../../credential/credential';
import { codeMatches } from '../../crypto/otp-code';
import { CitizenPseudonyms } from '../../enrolment/citizen-pseudonyms';
import { EnrolmentRecords } from '../../enrolment/enrolment-records';
import { PhoneEnrolmentRecord } from '../../entities';
import {
  CodeExpiredError,
  CodeRejectedError,
  EnrolmentFinishedError,
  EnrolmentLockedError,
  NotFoundError,
} from '../../errors';
import { IDENTITY_CLOCK, IDENTITY_CONFIG, IDENTITY_DATA_SOURCE, IDENTITY_OUTBOX } from '../../tokens';
import type { VerifyPhoneEnrolmentCommand } from './verify-phone-enrolment.command';

export interface IssuedCredential {
  /** The enrolment credential (JWT, EdDSA), to register devices with the app channel. */
  credential: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  methods: EnrolmentMethodClaim[];
}

type Outcome =
  | { kind: 'not-found' | 'finished' | 'locked' | 'expired' }
  | { kind: 'rejected'; attemptsLeft: number }
  | { kind: 'accepted'; app: EncryptedPseudonym[]; pp: PolymorphicPseudonym[]; sms: string };

/** The personal parts of an enrolment row are erased as soon as it ends, whatever the outcome. */
const ERASED = { codeSalt: null, codeHash: null, sealedPhoneNumber: null, polymorphicPseudonym: null };

/**
 * Checks a code attempt (row locked, constant-time comparison, at most `maxAttempts`, valid
 * `ttlSeconds`). On success: PhoneRegistration (sms-domain pseudonym of the number + the sealed
 * number) to the SMS channel, and the enrolment credential to the app. Every outcome is audited.
 */
@Injectable()
export class VerifyPhoneEnrolmentUseCase {
  private readonly logger = new Logger('IdentityEnrolment');

  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(IDENTITY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(IDENTITY_OUTBOX) private readonly outbox: Outbox,
    @Inject(IDENTITY_CLOCK) private readonly clock: Clock,
    private readonly records: EnrolmentRecords,
    private readonly pseudonyms: CitizenPseudonyms,
    private readonly issuer: CredentialIssuer,
  ) {}

  async execute(command: VerifyPhoneEnrolmentCommand): Promise<IssuedCredential> {
    const now = this.clock.now();
    const id = command.enrolmentId;
    const outcome = await this.dataSource.transaction((manager) => this.attempt(manager, command, now));
    this.outbox.notify();
    switch (outcome.kind) {
      case 'not-found':
        throw new NotFoundError('No such enrolment');
      case 'finished':
        throw new EnrolmentFinishedError();
      case 'locked':
        this.logger.warn(`Phone enrolment ${id}: attempt on a locked enrolment`);
        throw new EnrolmentLockedError();
      case 'expired':
        this.logger.log(`Phone enrolment ${id}: code expired`);
        throw new CodeExpiredError();
      case 'rejected':
        this.logger.log(`Phone enrolment ${id}: code rejected (${outcome.attemptsLeft} attempt(s) left)`);
        throw new CodeRejectedError(outcome.attemptsLeft);
      case 'accepted': {
        const methods: EnrolmentMethodClaim[] = ['sms_otp'];
        const issued = await this.issuer.issue(
          id,
          { app: outcome.app, pp: outcome.pp, sms: outcome.sms, methods },
          now,
        );
        this.logger.log(`Phone enrolment ${id} completed; credential issued`);
        return { ...issued, methods };
      }
    }
  }

  private async attempt(
    manager: EntityManager,
    command: VerifyPhoneEnrolmentCommand,
    now: number,
  ): Promise<Outcome> {
    const repository = manager.getRepository(PhoneEnrolmentRecord);
    const row = await repository
      .createQueryBuilder('e')
      .setLock('pessimistic_write')
      .where('e.id = :id', { id: command.enrolmentId })
      .getOne();
    if (!row) return { kind: 'not-found' };
    const id = row.id;
    const audit = (
      outcome: Parameters<EnrolmentRecords['audit']>[2],
      extra?: { reason?: string; attempt?: number },
    ) => this.records.audit(id, 'SMS_OTP', outcome, now, extra);
    if (row.status === 'COMPLETED') return { kind: 'finished' };
    if (row.status === 'LOCKED') {
      await this.outbox.add(manager, [await audit('LOCKED', { reason: 'attempt-after-lock' })]);
      return { kind: 'locked' };
    }
    if (row.status === 'EXPIRED') return { kind: 'expired' };
    if (now >= row.expiresAt.getTime() || !row.codeHash || !row.codeSalt) {
      await repository.update({ id }, { status: 'EXPIRED', finishedAt: new Date(now), ...ERASED });
      await this.outbox.add(manager, [await audit('EXPIRED', { reason: 'code-expired' })]);
      return { kind: 'expired' };
    }
    const attempt = row.attempts + 1;
    if (!codeMatches(this.config.codePepper, row.codeSalt, id, command.code, row.codeHash)) {
      const locked = attempt >= this.config.otp.maxAttempts;
      const entries: OutboxEntry[] = [await audit('CODE_REJECTED', { reason: 'code-mismatch', attempt })];
      if (locked) {
        await repository.update(
          { id },
          { attempts: attempt, status: 'LOCKED', finishedAt: new Date(now), ...ERASED },
        );
        entries.push(await audit('LOCKED', { reason: 'too-many-attempts', attempt }));
      } else {
        await repository.update({ id }, { attempts: attempt });
      }
      await this.outbox.add(manager, entries);
      return { kind: 'rejected', attemptsLeft: this.config.otp.maxAttempts - attempt };
    }
    const pp = row.polymorphicPseudonym as PolymorphicPseudonym;
    const sealed = row.sealedPhoneNumber as Buffer;
    const recipient = await this.pseudonyms.smsRecipient(pp);
    const claims = await this.pseudonyms.credentialPseudonyms([pp]);
    await repository.update(
      { id },
      { attempts: attempt, status: 'COMPLETED', finishedAt: new Date(now), ...ERASED },
    );
    await this.outbox.add(manager, [
      await audit('CODE_ACCEPTED', { attempt }),
      await this.records.phoneRegistration(id, recipient, sealed, now),
      await audit('COMPLETED'),
    ]);
    return { kind: 'accepted', ...claims, sms: sealed.toString('base64url') };
  }
}
