import { OutboxRecord } from '@smis/persistence';
import { OidcTransactionRecord } from './oidc-transaction.entity';
import { PhoneEnrolmentRecord, type PhoneEnrolmentStatus } from './phone-enrolment.entity';
import { RateLimitWindowRecord } from './rate-limit-window.entity';

export { OidcTransactionRecord, PhoneEnrolmentRecord, RateLimitWindowRecord, type PhoneEnrolmentStatus };

export const IDENTITY_ENTITIES = [
  OutboxRecord,
  PhoneEnrolmentRecord,
  OidcTransactionRecord,
  RateLimitWindowRecord,
];
