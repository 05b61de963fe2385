import {
  createParamDecorator,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { isValidSenderId } from '@smis/contracts';
import type { IncomingHttpHeaders } from 'node:http';
import type { StatusConfig } from '../config';
import { STATUS_CONFIG } from '../tokens';

/** The authenticated sender system a request acts for. */
export interface SenderPrincipal {
  senderId: string;
}

/**
 * Finds the authenticated sender of a request. The default trusts a header that the gateway
 * sets after authenticating the sender (and strips from what senders send); deployments
 * that expose the status API otherwise provide their own resolver (`StatusModule.register(config,
 * { principalResolver })`), e.g. one that verifies a token.
 */
export abstract class SenderPrincipalResolver {
  abstract resolve(request: {
    headers: IncomingHttpHeaders;
  }): SenderPrincipal | undefined | Promise<SenderPrincipal | undefined>;
}

@Injectable()
export class GatewayHeaderPrincipalResolver extends SenderPrincipalResolver {
  constructor(@Inject(STATUS_CONFIG) private readonly config: StatusConfig) {
    super();
  }

  override resolve(request: { headers: IncomingHttpHeaders }): SenderPrincipal | undefined {
    const value = request.headers[this.config.principalHeader];
    return typeof value === 'string' && value.length > 0 ? { senderId: value } : undefined;
  }
}

const PRINCIPAL = Symbol('smis.status.principal');
type WithPrincipal = { headers: IncomingHttpHeaders; [PRINCIPAL]?: SenderPrincipal };

/** Lets a request through only with an authenticated sender, which it attaches to the request. */
@Injectable()
export class SenderPrincipalGuard implements CanActivate {
  constructor(private readonly resolver: SenderPrincipalResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WithPrincipal>();
    const principal = await this.resolver.resolve(request);
    if (!principal || !isValidSenderId(principal.senderId)) {
      throw new UnauthorizedException('No authenticated sender: call the status API through the gateway');
    }
    request[PRINCIPAL] = principal;
    return true;
  }
}

/** The authenticated sender's id (behind SenderPrincipalGuard). */
export const CurrentSender = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const principal = context.switchToHttp().getRequest<WithPrincipal>()[PRINCIPAL];
  if (!principal) throw new UnauthorizedException('No authenticated sender');
  return principal.senderId;
});
