import { Inject, Injectable } from '@nestjs/common';
import { NonRetriableError } from '@smis/messaging';
import { createDomainDecryptor, type DomainDecryptor, type EncryptedPseudonym } from '@smis/pseudonym';
import type { EmailChannelConfig } from './config';
import { EMAIL_CONFIG } from './tokens';

/** Tag byte of the email domain in @smis/pseudonym's string form of an encrypted pseudonym. */
const EMAIL_DOMAIN_TAG = 4;

@Injectable()
export class EmailRecipients {
  private readonly decryptor: DomainDecryptor;

  constructor(@Inject(EMAIL_CONFIG) config: EmailChannelConfig) {
    this.decryptor = createDomainDecryptor(config.domainKey);
  }

  /** The wire form (64 raw bytes, ADR 4) to this channel's local pseudonym. */
  localPseudonym(recipient: Buffer): string {
    if (recipient.length !== 64)
      throw new NonRetriableError(`An encrypted pseudonym has 64 bytes, not ${recipient.length}`);
    const encrypted = Buffer.concat([Buffer.from([EMAIL_DOMAIN_TAG]), recipient]).toString(
      'base64url',
    ) as EncryptedPseudonym;
    try {
      return this.decryptor.decrypt(encrypted);
    } catch (error) {
      throw new NonRetriableError(`Not an email-domain pseudonym: ${(error as Error).message}`);
    }
  }
}
