// @smis/router: the Short Messaging Integration Service. Verifies message requests, applies each
// sender's code of conduct, plans delivery (app first, SMS / e-mail fallback) and drives it from
// the channels' events and durable timers (docs/adr/0500-*).
export { RouterModule } from './router.module';
export { RouterScorecardService } from './router.service';
export {
  loadRouterConfig,
  validateRouterConfig,
  RouterConfigError,
  ROUTER_DEFAULTS,
  type RouterConfig,
  type RouterConfigInput,
  type RouterTopics,
} from './config';
export type { RouterPorts, Clock } from './ports';
export type { SenderScorecard } from './usecases/get-scorecard/get-scorecard.command';
export { REASONS, type Reason } from './domain/reasons';
export { ROUTER_DATA_SOURCE } from './tokens';
export { brusselsDay, quietHoursEnd } from './domain/brussels-time';
