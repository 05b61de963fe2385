// @smis/gateway: the REST gateway for sender systems that do not speak Kafka (`/v1/gateway`):
// OAuth 2.0 client credentials with private_key_jwt (EdDSA), message submission, status, key
// lookup and the sender's scorecard. OpenAPI through @nestjs/swagger decorators.
export { GatewayModule } from './gateway.module';
export {
  loadGatewayConfig,
  validateGatewayConfig,
  GatewayConfigError,
  GATEWAY_DEFAULTS,
  type GatewayConfig,
  type GatewayConfigInput,
} from './config';
export type {
  GatewayPorts,
  KeyDirectoryPort,
  MessageStatusPort,
  Reachability,
  SenderScorecardPort,
} from './ports';
export type { ProblemDetails } from './http/problem';
export { JWT_BEARER_ASSERTION } from './usecases/issue-token/issue-token.command';
// For the other HTTP APIs of a process hosting the gateway (the platform's status and broadcast
// APIs, ADR 0803): the sender of a request from the gateway's access token.
export { AccessTokenVerifier, bearerToken } from './auth/access-token-verifier';
