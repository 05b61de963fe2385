import type { KeyObject } from 'node:crypto';
import {
  AuthenticationError,
  BroadcastNotFoundError,
  BroadcastStateError,
  GatewayError,
  RateLimitedError,
  TransportError,
  type ProblemDetails,
} from '../errors';
import type { Reachability } from '../types';
import { CLIENT_ASSERTION_TYPE, createClientAssertion } from './client-assertion';
import { parseReachability, type MessageRequestJson } from './wire';

export interface GatewayClientOptions {
  /** Where the platform serves HTTP; the SDK appends /v1/gateway/…. */
  readonly gatewayUrl: string;
  readonly senderId: string;
  readonly keyId: string;
  readonly privateKey: KeyObject;
  /** Per HTTP request (default 10 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** Renew the access token this long before it expires, so a request never carries a dying one. */
const TOKEN_EXPIRY_MARGIN_MS = 30_000;
/**
 * The sender's id as the broadcast and status APIs name it (ADR 803). The platform process takes
 * the sender from the bearer token and refuses a header that names another sender; a gateway in
 * front of a standalone service sets the header after checking the token. The SDK sends both.
 */
export const SENDER_PRINCIPAL_HEADER = 'x-smis-sender-id';

/** When the token answer has no usable Retry-After: wait this long. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

interface CachedToken {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * The gateway's HTTP API for senders (ADR 5): OAuth2 client credentials with private_key_jwt,
 * key lookups, message submission and status. One access token is cached and shared by
 * concurrent calls; a 401 on an API call renews it once.
 */
export class GatewayClient {
  private readonly root: string;
  private readonly base: string;
  private readonly tokenUrl: string;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private token?: CachedToken;
  private tokenRequest?: Promise<CachedToken>;
  /** False once the gateway said it has no batched lookup (404/405: an older gateway). */
  private batchLookups = true;

  constructor(private readonly options: GatewayClientOptions) {
    this.root = options.gatewayUrl.replace(/\/+$/, '');
    this.base = `${this.root}/v1/gateway`;
    this.tokenUrl = `${this.base}/oauth/token`;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async lookup(recipient: string): Promise<Reachability> {
    const body = await this.call('keys/lookup', 'POST', '/keys/lookup', { recipient });
    const reachability = parseReachability(body);
    if (!reachability)
      throw new TransportError(
        'keys/lookup',
        'the gateway answered something that is not a Reachability',
        false,
      );
    return reachability;
  }

  /**
   * Several recipients in one `POST /keys/lookup/batch` (answers in order), or undefined when the
   * gateway has no such route: then ask `lookup` for each (remembered for this client).
   */
  async lookupMany(recipients: readonly string[]): Promise<Reachability[] | undefined> {
    if (!this.batchLookups) return undefined;
    let body: unknown;
    try {
      body = await this.call('keys/lookup/batch', 'POST', '/keys/lookup/batch', { recipients });
    } catch (error) {
      if (error instanceof GatewayError && (error.status === 404 || error.status === 405)) {
        this.batchLookups = false;
        return undefined;
      }
      throw error;
    }
    const results = (body as { results?: unknown } | undefined)?.results;
    const answers = Array.isArray(results) ? results.map(parseReachability) : [];
    if (answers.length !== recipients.length || answers.some((answer) => answer === undefined)) {
      throw new TransportError(
        'keys/lookup/batch',
        `the gateway answered something that is not ${recipients.length} Reachability answers`,
        false,
      );
    }
    return answers as Reachability[];
  }

  async submit(request: MessageRequestJson): Promise<void> {
    await this.call('messages', 'POST', '/messages', request);
  }

  /** The message's status view, or undefined while the gateway does not know the message (404). */
  async messageStatus(messageId: string): Promise<unknown> {
    return this.call('messages/{id}', 'GET', `/messages/${encodeURIComponent(messageId)}`, undefined, {
      notFound: 'undefined',
    });
  }

  /** `GET /v1/broadcast/broadcasts/{id}`: state and aggregated progress of one of the sender's broadcasts. */
  async broadcast(broadcastId: string): Promise<unknown> {
    const answer = await this.broadcastCall('broadcasts/{id}', 'GET', broadcastId, '');
    if (answer === undefined)
      throw new TransportError('broadcasts/{id}', 'the platform answered no broadcast view', false);
    return answer;
  }

  /** `POST /v1/broadcast/broadcasts/{id}/cancel` (204 also when it was cancelled before). */
  async cancelBroadcast(broadcastId: string): Promise<void> {
    await this.broadcastCall('broadcasts/{id}/cancel', 'POST', broadcastId, '/cancel');
  }

  private async broadcastCall(
    operation: string,
    method: 'GET' | 'POST',
    broadcastId: string,
    suffix: string,
  ): Promise<unknown> {
    try {
      return await this.call(
        operation,
        method,
        `${this.root}/v1/broadcast/broadcasts/${encodeURIComponent(broadcastId)}${suffix}`,
        undefined,
        { headers: { [SENDER_PRINCIPAL_HEADER]: this.options.senderId } },
      );
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'GATEWAY') {
        if (error.status === 404) throw new BroadcastNotFoundError(operation, broadcastId, error.problem);
        if (error.status === 409) throw new BroadcastStateError(operation, broadcastId, error.problem);
      }
      throw error;
    }
  }

  /** A valid access token, from the cache or a new one. */
  async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt - TOKEN_EXPIRY_MARGIN_MS > this.now()) return this.token.value;
    this.tokenRequest ??= this.requestToken().finally(() => (this.tokenRequest = undefined));
    this.token = await this.tokenRequest;
    return this.token.value;
  }

  private async requestToken(): Promise<CachedToken> {
    const assertion = createClientAssertion({
      senderId: this.options.senderId,
      keyId: this.options.keyId,
      privateKey: this.options.privateKey,
      audience: this.tokenUrl,
      now: this.now(),
    });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.senderId,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    });
    const response = await this.send('token', this.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    const body = await readJson(response);
    if (!response.ok) {
      const problem = oauthProblem(body, response.status);
      if (response.status === 429) throw new RateLimitedError('token', problem, retryAfter(response));
      if (response.status === 400 || response.status === 401)
        throw new AuthenticationError('token', response.status, problem);
      throw new GatewayError('token', response.status, problem);
    }
    const { access_token: value, expires_in: expiresIn } = (body ?? {}) as Record<string, unknown>;
    if (typeof value !== 'string' || value === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      throw new TransportError('token', 'the token answer has no access_token or expires_in', false);
    }
    return { value, expiresAt: this.now() + expiresIn * 1000 };
  }

  private async call(
    operation: string,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    options: { notFound?: 'undefined'; headers?: Record<string, string> } = {},
  ): Promise<unknown> {
    const url = path.startsWith('/') ? `${this.base}${path}` : path;
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken();
      const response = await this.send(operation, url, {
        method,
        headers: {
          ...options.headers,
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const answer = await readJson(response);
      if (response.ok) return answer;
      if (response.status === 404 && options.notFound === 'undefined') return undefined;
      const problem = asProblem(answer);
      if (response.status === 401) {
        // The token may have been revoked or the gateway restarted: one fresh token, then give up.
        this.token = undefined;
        if (attempt === 1) continue;
        throw new AuthenticationError(operation, 401, problem);
      }
      if (response.status === 429) throw new RateLimitedError(operation, problem, retryAfter(response));
      throw new GatewayError(operation, response.status, problem, hintFor(response.status));
    }
  }

  private async send(operation: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new TransportError(
        operation,
        timedOut
          ? `no answer from the gateway within ${this.timeoutMs} ms`
          : `the gateway at ${this.options.gatewayUrl} could not be reached (check gatewayUrl and the network)`,
        true,
        { cause: error },
      );
    }
  }
}

function hintFor(status: number): string | undefined {
  if (status === 403)
    return 'the sender is not allowed this (category, channel or recipient kind): check its policy';
  if (status === 400 || status === 422) return 'the request was refused as invalid: see the problem details';
  if (status >= 500) return 'a platform fault: retry later';
  return undefined;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function asProblem(body: unknown): ProblemDetails | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as ProblemDetails)
    : undefined;
}

/** OAuth error answers (RFC 6749 5.2) as problem details. */
function oauthProblem(body: unknown, status: number): ProblemDetails | undefined {
  const b = asProblem(body);
  if (!b) return undefined;
  if (typeof b['error'] === 'string') {
    const description = typeof b['error_description'] === 'string' ? `: ${b['error_description']}` : '';
    return { ...b, title: b['error'], status, detail: `${b['error']}${description}` };
  }
  return b;
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 10.2.3). */
function retryAfter(response: Response): number {
  const header = response.headers.get('retry-after');
  if (header === null) return DEFAULT_RETRY_AFTER_SECONDS;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
