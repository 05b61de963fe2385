import { ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { AccessTokenVerifier } from '@smis/gateway';
import { SenderPrincipalResolver, type SenderPrincipal } from '@smis/status';
import type { IncomingHttpHeaders } from 'node:http';

/** What the SDK sends along with its token (for a gateway in front); here the token decides. */
const CLAIMED_SENDER_HEADER = 'x-smis-sender-id';

/**
 * The sender of a request to the status and broadcast APIs the platform serves on the gateway's
 * own port (ADR 0803): the subject of the gateway access token in `Authorization: Bearer`,
 * verified as the gateway verifies it on its routes (its key, issuer, expiry, sender still
 * registered). Nothing strips `x-smis-sender-id` here, so it is never trusted: without a valid
 * token the answer is 401, and a header naming another sender than the token is refused (403).
 */
@Injectable()
export class AccessTokenPrincipalResolver extends SenderPrincipalResolver {
  constructor(@Inject(AccessTokenVerifier) private readonly tokens: AccessTokenVerifier) {
    super();
  }

  override async resolve(request: { headers: IncomingHttpHeaders }): Promise<SenderPrincipal> {
    const senderId = await this.tokens.senderOf(request.headers.authorization);
    if (!senderId)
      throw new UnauthorizedException(
        'Send a gateway access token (POST /v1/gateway/oauth/token) as a Bearer token: it is missing, invalid or expired',
      );
    const claimed = request.headers[CLAIMED_SENDER_HEADER];
    if (claimed !== undefined && claimed !== senderId)
      throw new ForbiddenException(`${CLAIMED_SENDER_HEADER} names another sender than the access token`);
    return { senderId };
  }
}
