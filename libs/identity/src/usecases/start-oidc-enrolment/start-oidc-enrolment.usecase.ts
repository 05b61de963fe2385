import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Outbox } from '@smis/persistence';
import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Clock } from '../../clock';
import type { IdentityConfig } from '../../config';
import { CredentialVerifier } from '../../credential/credential';
import { EnrolmentRecords } from '../../enrolment/enrolment-records';
import { OidcTransactionRecord } from '../../entities';
import { InvalidRequestError, OidcUnavailableError } from '../../errors';
import { OidcRelyingParty } from '../../oidc/oidc-relying-party';
import { IDENTITY_CLOCK, IDENTITY_CONFIG, IDENTITY_DATA_SOURCE, IDENTITY_OUTBOX } from '../../tokens';
import type { StartOidcEnrolmentCommand } from './start-oidc-enrolment.command';

export interface OidcEnrolmentStarted {
  enrolmentId: string;
  /** Where to send the citizen's browser. */
  authorizationUrl: string;
  expiresAt: number;
}

export const stateHash = (state: string): Buffer => createHash('sha256').update(state, 'utf8').digest();

/**
 * Builds the authorization request (code flow + PKCE, state, nonce) and keeps what the callback
 * needs. A presented phone credential is verified now; its sealed number and pseudonyms wait in
 * the transaction row for the callback.
 */
@Injectable()
export class StartOidcEnrolmentUseCase {
  private readonly logger = new Logger('IdentityEnrolment');

  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(IDENTITY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(IDENTITY_OUTBOX) private readonly outbox: Outbox,
    @Inject(IDENTITY_CLOCK) private readonly clock: Clock,
    private readonly records: EnrolmentRecords,
    private readonly relyingParty: OidcRelyingParty,
    private readonly verifier: CredentialVerifier,
  ) {}

  async execute(command: StartOidcEnrolmentCommand): Promise<OidcEnrolmentStarted> {
    const oidc = this.config.oidc;
    if (!oidc) throw new OidcUnavailableError('Strong authentication is not configured');
    let link: OidcTransactionRecord['link'] = null;
    if (command.link) {
      const linked = await this.verifier.verifyClaims(command.link);
      if (!linked.sms || !linked.methods.includes('sms_otp'))
        throw new InvalidRequestError([
          { field: 'link', message: 'must be a credential of a phone enrolment' },
        ]);
      if (linked.methods.includes('oidc'))
        throw new InvalidRequestError([
          { field: 'link', message: 'this credential already holds a strong authentication' },
        ]);
      link = { pp: linked.pp, sms: linked.sms, methods: linked.methods };
    }
    const request = await this.relyingParty.authorizationRequest();
    const now = this.clock.now();
    const enrolmentId = randomUUID();
    const expiresAt = now + oidc.transactionTtlSeconds * 1000;
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(OidcTransactionRecord).insert({
        stateHash: stateHash(request.state),
        enrolmentId,
        nonce: request.nonce,
        codeVerifier: request.codeVerifier,
        link,
        createdAt: new Date(now),
        expiresAt: new Date(expiresAt),
      });
      await this.outbox.add(manager, [
        await this.records.audit(enrolmentId, 'OIDC', 'STARTED', now, link ? { reason: 'link-phone' } : {}),
      ]);
    });
    this.outbox.notify();
    this.logger.log(`OIDC enrolment ${enrolmentId} started${link ? ' (linking a phone enrolment)' : ''}`);
    return { enrolmentId, authorizationUrl: request.url, expiresAt };
  }
}
