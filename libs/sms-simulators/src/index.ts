// @smis/sms-simulators: local stand-ins for the providers behind the SMS and e-mail channels, for
// tests and `npm start`. Each starts in-process on a free port, can delay, fail and reject on
// demand, and records what it received (tests and the citizen-app e2e read OTP codes from them).
export { DEFAULT_BEHAVIOUR, type ProviderBehaviour, type ReceivedSms } from './behaviour';
export {
  startHttpSmsGatewaySimulator,
  type DeliveryReportBody,
  type HttpSmsGatewaySimulator,
  type HttpSmsGatewaySimulatorOptions,
  type ReferenceLookup,
  type SubmissionAttempt,
} from './http-sms-gateway.simulator';
export {
  startSmppSmscSimulator,
  SMPP_COMMANDS,
  type SmppSmscSimulator,
  type SmppSmscSimulatorOptions,
} from './smpp-smsc.simulator';
export {
  parseSimpleEmail,
  startSmtpCaptureServer,
  type CapturedEmail,
  type SmtpCaptureOptions,
  type SmtpCaptureServer,
} from './smtp-capture.server';
