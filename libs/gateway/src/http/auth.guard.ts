import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken } from '../auth/access-token-verifier';
import { TokenService } from '../auth/token-service';
import type { GatewayConfig } from '../config';
import type { GatewayPorts } from '../ports';
import { GATEWAY_CONFIG, GATEWAY_PORTS } from '../tokens';
import { ProblemError } from './problem';
import { RATE_RULE, RateLimiter, type RateBucket, type RateRule } from './rate-limiter';

const SENDER = Symbol('smis.gateway.sender');
type WithSender = { headers: IncomingHttpHeaders; body?: unknown; [SENDER]?: string };

/**
 * Bearer access token of the gateway, then the sender's rate limit (429 with Retry-After): key
 * lookups draw from their own bucket (`@RateLimit({ bucket: 'keyLookups' })`), every other
 * route from `requests`.
 */
@Injectable()
export class SenderAuthGuard implements CanActivate {
  private readonly limiters: Record<RateBucket, RateLimiter>;

  constructor(
    private readonly tokens: TokenService,
    private readonly reflector: Reflector,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_PORTS) private readonly ports: GatewayPorts,
  ) {
    this.limiters = {
      requests: new RateLimiter(config.rateLimit.perSecond, config.rateLimit.burst),
      keyLookups: new RateLimiter(config.lookupRateLimit.perSecond, config.lookupRateLimit.burst),
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WithSender>();
    const token = bearerToken(request.headers.authorization);
    if (!token)
      throw ProblemError.unauthorized(
        'Send an access token from POST /v1/gateway/oauth/token as a Bearer token',
      );
    const senderId = await this.tokens.authenticate(token);
    const rule = this.reflector.get<RateRule | undefined>(RATE_RULE, context.getHandler());
    const cost = rule?.cost?.(request.body, this.config) ?? 1;
    const limiter = this.limiters[rule?.bucket ?? 'requests'];
    const wait = limiter.take(senderId, (this.ports.clock ?? Date.now)(), cost);
    if (wait > 0)
      throw ProblemError.rateLimited(
        wait,
        rule?.bucket === 'keyLookups' ? 'key lookup rate' : 'request rate',
      );
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
