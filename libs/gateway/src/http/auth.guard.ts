import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { TokenService } from '../auth/token-service';
import type { GatewayConfig } from '../config';
import type { GatewayPorts } from '../ports';
import { GATEWAY_CONFIG, GATEWAY_PORTS } from '../tokens';
import { ProblemError } from './problem';
import { RateLimiter } from './rate-limiter';

const SENDER = Symbol('smis.gateway.sender');
type WithSender = { headers: IncomingHttpHeaders; [SENDER]?: string };

/** Bearer access token of the gateway, then the sender's rate limit (429 with Retry-After). */
@Injectable()
export class SenderAuthGuard implements CanActivate {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly tokens: TokenService,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(GATEWAY_PORTS) private readonly ports: GatewayPorts,
  ) {
    this.limiter = new RateLimiter(config.rateLimit.perSecond, config.rateLimit.burst);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WithSender>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw ProblemError.unauthorized(
        'Send an access token from POST /v1/gateway/oauth/token as a Bearer token',
      );
    const senderId = await this.tokens.authenticate(match[1]);
    const wait = this.limiter.take(senderId, (this.ports.clock ?? Date.now)());
    if (wait > 0) throw ProblemError.rateLimited(wait);
    request[SENDER] = senderId;
    return true;
  }
}

/** The authenticated sender (behind SenderAuthGuard). */
export const CurrentSender = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const senderId = context.switchToHttp().getRequest<WithSender>()[SENDER];
  if (!senderId) throw ProblemError.unauthorized('No authenticated sender');
  return senderId;
});
