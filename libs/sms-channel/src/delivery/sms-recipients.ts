import { Inject, Injectable } from '@nestjs/common';
import { NonRetriableError } from '@smis/messaging';
import { createDomainDecryptor, type DomainDecryptor, type EncryptedPseudonym } from '@smis/pseudonym';
import type { SmsChannelConfig } from '../config';
import { SMS_CONFIG } from '../tokens';

/** Tag byte of the sms domain in @smis/pseudonym's string form of an encrypted pseudonym. */
const SMS_DOMAIN_TAG = 3;

/** sms-domain pseudonyms: from the wire (64 raw bytes, ADR 4) to this channel's local pseudonym. */
@Injectable()
export class SmsRecipients {
  private readonly decryptor: DomainDecryptor;

  constructor(@Inject(SMS_CONFIG) config: SmsChannelConfig) {
    this.decryptor = createDomainDecryptor(config.domainKey);
  }

  localPseudonym(recipient: Buffer): string {
    if (recipient.length !== 64)
      throw new NonRetriableError(`An encrypted pseudonym has 64 bytes, not ${recipient.length}`);
    const encrypted = Buffer.concat([Buffer.from([SMS_DOMAIN_TAG]), recipient]).toString(
      'base64url',
    ) as EncryptedPseudonym;
    try {
      return this.decryptor.decrypt(encrypted);
    } catch (error) {
      throw new NonRetriableError(`Not an sms-domain pseudonym: ${(error as Error).message}`);
    }
  }
}
