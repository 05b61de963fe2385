import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { PolymorphicPseudonym } from '@smis/pseudonym';
import type { DataSource } from 'typeorm';
import type { Clock } from '../../clock';
import { CredentialIssuer, type EnrolmentMethodClaim } from '../../credential/credential';
import { CitizenPseudonyms } from '../../enrolment/citizen-pseudonyms';
import { EnrolmentRecords } from '../../enrolment/enrolment-records';
import { OidcTransactionRecord } from '../../entities';
import { AuthenticationFailedError, IdentityError } from '../../errors';
import { OidcRelyingParty } from '../../oidc/oidc-relying-party';
import { IDENTITY_CLOCK, IDENTITY_DATA_SOURCE, IDENTITY_OUTBOX } from '../../tokens';
import { stateHash } from '../start-oidc-enrolment/start-oidc-enrolment.usecase';
import type { IssuedCredential } from '../verify-phone-enrolment/verify-phone-enrolment.usecase';
import type { CompleteOidcEnrolmentCommand } from './complete-oidc-enrolment.command';

/**
 * The callback: takes the transaction (single use), exchanges the code, verifies the ID token and
 * the NISS claim, and issues the credential with the NISS's pseudonyms (plus the linked phone's).
 * When a phone was linked, publishes a second PhoneRegistration: the NISS's sms-domain pseudonym
 * with the same sealed number (ADR 4). The NISS is used in memory only.
 */
@Injectable()
export class CompleteOidcEnrolmentUseCase {
  private readonly logger = new Logger('IdentityEnrolment');

  constructor(
    @Inject(IDENTITY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(IDENTITY_OUTBOX) private readonly outbox: Outbox,
    @Inject(IDENTITY_CLOCK) private readonly clock: Clock,
    private readonly records: EnrolmentRecords,
    private readonly relyingParty: OidcRelyingParty,
    private readonly pseudonyms: CitizenPseudonyms,
    private readonly issuer: CredentialIssuer,
  ) {}

  private async record(entries: OutboxEntry[]): Promise<void> {
    await this.dataSource.transaction((manager) => this.outbox.add(manager, entries));
    this.outbox.notify();
  }

  async execute(command: CompleteOidcEnrolmentCommand): Promise<IssuedCredential> {
    const now = this.clock.now();
    const rows = (
      await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(OidcTransactionRecord)
        .where('state_hash = :hash', { hash: stateHash(command.state) })
        .returning('*')
        .execute()
    ).raw as Array<Record<string, unknown>>;
    const row = rows[0];
    if (!row)
      throw new IdentityError(
        400,
        'unknown-state',
        'Unknown enrolment',
        'This sign-in is unknown or was already used: start again',
      );
    const enrolmentId = row['enrolment_id'] as string;
    const fail = async (reason: string): Promise<never> => {
      await this.record([await this.records.audit(enrolmentId, 'OIDC', 'FAILED', now, { reason })]);
      this.logger.warn(`OIDC enrolment ${enrolmentId} failed: ${reason}`);
      throw new AuthenticationFailedError(reason);
    };
    if (now >= (row['expires_at'] as Date).getTime()) {
      await this.record([
        await this.records.audit(enrolmentId, 'OIDC', 'EXPIRED', now, { reason: 'transaction-expired' }),
      ]);
      throw new IdentityError(
        410,
        'enrolment-expired',
        'Enrolment expired',
        'The sign-in took too long: start again',
      );
    }
    if (command.error)
      return fail(`provider-${command.error.replace(/[^a-z_]/g, '').slice(0, 40) || 'error'}`);

    let niss: string;
    try {
      const idToken = await this.relyingParty.exchangeCode(
        command.code as string,
        row['code_verifier'] as string,
      );
      ({ niss } = await this.relyingParty.verifyIdToken(idToken, row['nonce'] as string));
    } catch (error) {
      if (error instanceof AuthenticationFailedError) return fail(error.reason);
      throw error;
    }
    const link = row['link'] as OidcTransactionRecord['link'];
    const nissPp = this.pseudonyms.polymorphic(`niss:${niss}`);
    const pps = [...((link?.pp ?? []) as PolymorphicPseudonym[]), nissPp];
    const claims = await this.pseudonyms.credentialPseudonyms(pps);
    const entries: OutboxEntry[] = [await this.records.audit(enrolmentId, 'OIDC', 'IDENTITY_VERIFIED', now)];
    if (link) {
      const recipient = await this.pseudonyms.smsRecipient(nissPp);
      entries.push(
        await this.records.phoneRegistration(enrolmentId, recipient, Buffer.from(link.sms, 'base64url'), now),
      );
    }
    entries.push(await this.records.audit(enrolmentId, 'OIDC', 'COMPLETED', now));
    await this.record(entries);
    const methods: EnrolmentMethodClaim[] = link
      ? [...(link.methods as EnrolmentMethodClaim[]).filter((m) => m !== 'oidc'), 'oidc']
      : ['oidc'];
    const issued = await this.issuer.issue(enrolmentId, { ...claims, sms: link?.sms, methods }, now);
    this.logger.log(
      `OIDC enrolment ${enrolmentId} completed${link ? ' (phone linked)' : ''}; credential issued`,
    );
    return { ...issued, methods };
  }
}
