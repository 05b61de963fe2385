import { Injectable } from '@nestjs/common';
import { isValidSenderId } from '@smis/contracts';
import type { IncomingHttpHeaders } from 'node:http';

/** The header a gateway in front of the broadcast API sets to the sender it authenticated. */
export const BROADCAST_PRINCIPAL_HEADER = 'x-smis-sender-id';

/**
 * Finds the authenticated sender of a `/v1/broadcast` request (as the status API does, ADR 0803).
 * The default trusts the header a gateway sets after authenticating the sender (and strips from
 * what senders send); a deployment that exposes the API otherwise passes its own resolver
 * (`BroadcastModule.register(config, ports, { principalResolver })`), e.g. one that verifies a token.
 */
export abstract class BroadcastPrincipalResolver {
  abstract resolve(request: {
    headers: IncomingHttpHeaders;
  }): { senderId: string } | undefined | Promise<{ senderId: string } | undefined>;
}

@Injectable()
export class GatewayHeaderBroadcastPrincipalResolver extends BroadcastPrincipalResolver {
  override resolve(request: { headers: IncomingHttpHeaders }): { senderId: string } | undefined {
    const value = request.headers[BROADCAST_PRINCIPAL_HEADER];
    // Only a well-formed sender id names a sender (as the status API's resolver checks).
    return typeof value === 'string' && isValidSenderId(value) ? { senderId: value } : undefined;
  }
}
