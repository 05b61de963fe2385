// @smis/sms-channel: the SMS fallback channel. Phone numbers by sms-domain pseudonym (encrypted at
// rest), sealed SMS texts opened and verified, HTTP gateway and SMPP 3.4 providers with failover
// (docs/adr/0700), idempotent submission (docs/adr/0701), delivery reports, cost accounting.
export { SmsChannelModule, type SmsChannelModuleOptions } from './sms-channel.module';
export { SmsChannelService } from './sms-channel.service';
export {
  loadSmsChannelConfig,
  validateSmsChannelConfig,
  smppDefaults,
  SmsChannelConfigError,
  type SmsChannelConfig,
  type SmsChannelConfigInput,
  type SmsProviderConfig,
  type HttpProviderConfig,
  type SmppProviderConfig,
  type ChannelKey,
} from './config';
export type { SmsChannelHooks } from './delivery/submission-engine';
export { deliveryReportPath } from './delivery/provider-pool';
export {
  analyzeSms,
  isGsm7,
  encodeGsm7Unpacked,
  encodeUcs2,
  SMS_LIMITS,
  type SmsAnalysis,
  type SmsEncoding,
} from './encoding/sms-encoding';
export {
  ProviderSelector,
  DEFAULT_FAILOVER,
  type FailoverPolicy,
  type ProviderWeight,
} from './failover/provider-selector';
export {
  buildSmsCostReport,
  ENROLMENT_OTP_SENDER,
  type CostReport,
  type CostReportQuery,
  type SenderCostLine,
} from './usecases/cost-report/cost-report';
export {
  ProviderOutcomeUnknownError,
  ProviderRejectedError,
  ProviderUnavailableError,
  type DeliveryReport,
  type SmsProvider,
  type SmsSubmission,
} from './providers/sms-provider';
export { SmsChannelMetrics } from './metrics';
