import { Inject, Injectable } from '@nestjs/common';
import type { PhoneRegistration } from '@smis/contracts';
import { NonRetriableError } from '@smis/messaging';
import type { DataSource } from 'typeorm';
import type { SmsChannelConfig } from '../../config';
import { ChannelSecrets, isE164 } from '../../crypto/channel-secrets';
import { SmsRecipients } from '../../delivery/sms-recipients';
import { SMS_CONFIG, SMS_DATA_SOURCE } from '../../tokens';

/**
 * A PhoneRegistration from identity: the sms-domain pseudonym (decrypted with the sms domain key)
 * now has this number (opened with the channel key, stored encrypted at rest), or none
 * (REMOVED). For one pseudonym the registration with the latest occurredAt wins.
 */
@Injectable()
export class RegisterPhoneUseCase {
  constructor(
    @Inject(SMS_CONFIG) private readonly config: SmsChannelConfig,
    @Inject(SMS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly secrets: ChannelSecrets,
    private readonly recipients: SmsRecipients,
  ) {}

  async execute(registration: PhoneRegistration): Promise<'registered' | 'removed' | 'stale' | 'ignored'> {
    const localPseudonym = this.recipients.localPseudonym(registration.recipient);
    let numberBox: Buffer | null = null;
    if (registration.action === 'REGISTERED') {
      const number = registration.sealedPhoneNumber
        ? this.secrets.openSealed(registration.sealedPhoneNumber)?.toString('utf8')
        : undefined;
      if (!number || !isE164(number))
        throw new NonRetriableError(
          `Registration ${registration.registrationId}: the sealed phone number does not open with the SMS channel key or is not E.164`,
        );
      numberBox = this.secrets.encryptAtRest(number);
    } else if (registration.action !== 'REMOVED') {
      return 'ignored';
    }
    const result = (await this.dataSource.query(
      `INSERT INTO "${this.config.schema}"."phone_number" ("local_pseudonym", "number_box", "occurred_at", "registration_id", "updated_at")
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT ("local_pseudonym") DO UPDATE
         SET "number_box" = EXCLUDED."number_box", "occurred_at" = EXCLUDED."occurred_at",
             "registration_id" = EXCLUDED."registration_id", "updated_at" = now()
         WHERE "phone_number"."occurred_at" < EXCLUDED."occurred_at"
       RETURNING "local_pseudonym"`,
      [localPseudonym, numberBox, registration.occurredAt, registration.registrationId],
    )) as unknown[];
    if (!result.length) return 'stale';
    return numberBox ? 'registered' : 'removed';
  }
}
