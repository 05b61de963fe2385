import { ProblemError } from '../../http/problem';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An OAuth 2.0 client-credentials token request authenticated by `private_key_jwt` (RFC 7523). */
export class IssueTokenCommand {
  private constructor(
    readonly assertion: string,
    readonly clientId: string | undefined,
  ) {}

  static create(body: unknown): IssueTokenCommand {
    const b = (body ?? {}) as Record<string, unknown>;
    if (b.grant_type !== 'client_credentials') {
      throw ProblemError.oauth(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    }
    if (
      b.client_assertion_type !== JWT_BEARER_ASSERTION ||
      typeof b.client_assertion !== 'string' ||
      !b.client_assertion
    ) {
      throw ProblemError.oauth(
        400,
        'invalid_request',
        `authenticate with private_key_jwt: client_assertion_type=${JWT_BEARER_ASSERTION} and a client_assertion`,
      );
    }
    const clientId = typeof b.client_id === 'string' && b.client_id ? b.client_id : undefined;
    return new IssueTokenCommand(b.client_assertion, clientId);
  }
}

export interface AccessTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}
