// @smis/email-channel: the e-mail fallback channel. Addresses by email-domain pseudonym (encrypted
// at rest), sealed e-mails opened and verified, SMTP through nodemailer (TLS, AUTH, DKIM),
// 5xx → FAILED, 4xx → retried (docs/adr/0702).
export { EmailChannelModule, type EmailChannelModuleOptions } from './email-channel.module';
export {
  loadEmailChannelConfig,
  validateEmailChannelConfig,
  EmailChannelConfigError,
  type EmailChannelConfig,
  type EmailChannelConfigInput,
  type SmtpConfig,
} from './config';
export { parseEmailContent } from './usecases/send-email/send-email.usecase';
export { isEmailAddress } from './crypto/address-vault';
