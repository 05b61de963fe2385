import { Inject, Injectable } from '@nestjs/common';
import type { EmailRegistration } from '@smis/contracts';
import { NonRetriableError } from '@smis/messaging';
import type { DataSource } from 'typeorm';
import type { EmailChannelConfig } from '../../config';
import { AddressVault, isEmailAddress } from '../../crypto/address-vault';
import { EmailRecipients } from '../../email-recipients';
import { EMAIL_CONFIG, EMAIL_DATA_SOURCE } from '../../tokens';

/** An EmailRegistration: the email-domain pseudonym now has this address (or none); latest occurredAt wins. */
@Injectable()
export class RegisterAddressUseCase {
  constructor(
    @Inject(EMAIL_CONFIG) private readonly config: EmailChannelConfig,
    @Inject(EMAIL_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly vault: AddressVault,
    private readonly recipients: EmailRecipients,
  ) {}

  async execute(registration: EmailRegistration): Promise<'registered' | 'removed' | 'stale' | 'ignored'> {
    const localPseudonym = this.recipients.localPseudonym(registration.recipient);
    let box: Buffer | null = null;
    if (registration.action === 'REGISTERED') {
      const address = registration.sealedEmailAddress
        ? this.vault.openSealed(registration.sealedEmailAddress)?.toString('utf8')
        : undefined;
      if (!address || !isEmailAddress(address))
        throw new NonRetriableError(
          `Registration ${registration.registrationId}: the sealed address does not open with the e-mail channel key or is not an address`,
        );
      box = this.vault.encrypt(address);
    } else if (registration.action !== 'REMOVED') return 'ignored';
    const rows = (await this.dataSource.query(
      `INSERT INTO "${this.config.schema}"."email_address" ("local_pseudonym", "address_box", "occurred_at", "registration_id", "updated_at")
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT ("local_pseudonym") DO UPDATE
         SET "address_box" = EXCLUDED."address_box", "occurred_at" = EXCLUDED."occurred_at",
             "registration_id" = EXCLUDED."registration_id", "updated_at" = now()
         WHERE "email_address"."occurred_at" < EXCLUDED."occurred_at"
       RETURNING "local_pseudonym"`,
      [localPseudonym, box, registration.occurredAt, registration.registrationId],
    )) as unknown[];
    if (!rows.length) return 'stale';
    return box ? 'registered' : 'removed';
  }
}
