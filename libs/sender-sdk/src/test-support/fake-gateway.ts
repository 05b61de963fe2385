/**
 * Test-only: the gateway endpoints of ADR 5 on a local HTTP server, strict where the real one
 * must be: the client assertion is verified with jose (EdDSA, iss = sub = client_id, aud = the
 * token URL, exp at most 60 s after iat, jti used once), API calls need the issued bearer token,
 * submitted requests must carry a valid signature.
 */
import { messageRequestSigningInput, type MessageRequest, type MessageStatus } from '@smis/contracts';
import type { PolymorphicPseudonym } from '@smis/pseudonym';
import { compactVerify, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLIENT_ASSERTION_TYPE } from '../gateway/client-assertion';
import { messageRequestFromJson, type MessageRequestJson } from '../gateway/wire';
import { senderPublicKey } from '../signing-key';
import type { PlatformFixture } from './fixture';

export interface FakeGateway {
  readonly url: string;
  readonly received: MessageRequest[];
  /** Tokens issued so far. */
  tokensIssued: number;
  /** Client assertions refused, with the reason. */
  readonly refusedAssertions: string[];
  /** Statuses GET /messages/{id} reports, by messageId. */
  readonly statuses: Map<string, MessageStatus[]>;
  /** Recipients per key lookup request: one for POST /keys/lookup, several for /keys/lookup/batch. */
  readonly lookupRequests: number[];
  /**
   * Broadcast views GET /v1/broadcast/broadcasts/{id} answers, by id: each GET takes the first
   * (the last one stays). No entry: 404. The sender header must name the fixture's sender.
   */
  readonly broadcasts: Map<string, object[]>;
  /** POST …/{id}/cancel answers: 204 by default, or this status. */
  readonly cancelStatus: Map<string, number>;
  /** Broadcast API requests seen: method, path, sender header, whether a valid token came with it. */
  readonly broadcastRequests: { method: string; path: string; sender?: string; authorized: boolean }[];
  /** Whether POST /keys/lookup/batch exists (default true; false answers 404, as an older gateway). */
  batchLookups: boolean;
  /** Answers the next POST /messages with this status and problem instead. */
  failNextSubmit(status: number, problem: object, headers?: Record<string, string>): void;
  /** Forgets every issued token (as after a gateway restart). */
  revokeTokens(): void;
  close(): Promise<void>;
}

const TOKEN_TTL_SECONDS = 300;

export async function startFakeGateway(platform: PlatformFixture): Promise<FakeGateway> {
  const publicJwk = senderPublicKey(platform.senderKey).export({ format: 'jwk' });
  const senderJwk = await importJWK({ ...publicJwk, alg: 'EdDSA' }, 'EdDSA');
  const tokens = new Set<string>();
  const usedJtis = new Set<string>();
  let nextFailure: { status: number; problem: object; headers: Record<string, string> } | undefined;
  let base = '';

  const gateway: FakeGateway = {
    url: '',
    received: [],
    tokensIssued: 0,
    refusedAssertions: [],
    statuses: new Map(),
    lookupRequests: [],
    broadcasts: new Map(),
    cancelStatus: new Map(),
    broadcastRequests: [],
    batchLookups: true,
    failNextSubmit: (status, problem, headers = {}) => void (nextFailure = { status, problem, headers }),
    revokeTokens: () => tokens.clear(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function token(body: string, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(body);
    const assertion = form.get('client_assertion') ?? '';
    const refuse = (reason: string): void => {
      gateway.refusedAssertions.push(reason);
      json(res, 401, { error: 'invalid_client', error_description: reason });
    };
    if (form.get('grant_type') !== 'client_credentials')
      return json(res, 400, { error: 'unsupported_grant_type' });
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) return refuse('client_assertion_type');
    try {
      const header = decodeProtectedHeader(assertion);
      if (header.alg !== 'EdDSA' || header.kid !== platform.senderKey.keyId) return refuse('alg or kid');
      await compactVerify(assertion, senderJwk); // the signature alone, before the claims
      const { payload } = await jwtVerify(assertion, senderJwk, {
        algorithms: ['EdDSA'],
        issuer: platform.senderId,
        subject: platform.senderId,
        audience: `${base}/v1/gateway/oauth/token`,
        requiredClaims: ['jti', 'exp', 'iat'],
      });
      if (form.get('client_id') !== null && form.get('client_id') !== payload.sub) return refuse('client_id');
      if ((payload.exp as number) - (payload.iat as number) > 60) return refuse('lifetime over 60 s');
      if (usedJtis.has(payload.jti as string)) return refuse('jti replayed');
      usedJtis.add(payload.jti as string);
    } catch (error) {
      return refuse((error as Error).message);
    }
    const accessToken = randomBytes(24).toString('base64url');
    tokens.add(accessToken);
    gateway.tokensIssued++;
    json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_TTL_SECONDS });
  }

  function authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (match && tokens.has(match[1])) return true;
    problem(res, 401, 'Unauthorized', 'a valid access token is required');
    return false;
  }

  /** The broadcast service's API as the platform serves it: the bearer token, and the sender's header. */
  function broadcastApi(req: IncomingMessage, res: ServerResponse, id: string, cancel: boolean): void {
    const sender = req.headers['x-smis-sender-id'] as string | undefined;
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    gateway.broadcastRequests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      sender,
      authorized: !!match && tokens.has(match[1]),
    });
    if (!sender) return problem(res, 401, 'Error', 'No authenticated sender');
    const views = sender === platform.senderId ? gateway.broadcasts.get(id) : undefined;
    if (!views) return problem(res, 404, 'Not Found', `No broadcast ${id}`);
    if (cancel && req.method === 'POST') {
      const status = gateway.cancelStatus.get(id) ?? 204;
      if (status === 204) {
        res.writeHead(204).end();
        return;
      }
      return problem(res, status, 'Conflict', `Broadcast ${id} is DONE and cannot be cancelled`);
    }
    if (req.method !== 'GET') return problem(res, 405, 'Method Not Allowed', String(req.method));
    json(res, 200, views.length > 1 ? views.shift() : views[0]);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = req.url ?? '';
    if (req.method === 'POST' && path === '/v1/gateway/oauth/token') return token(body, res);
    const broadcast = /^\/v1\/broadcast\/broadcasts\/([^/]+)(\/cancel)?$/.exec(path);
    if (broadcast) return broadcastApi(req, res, decodeURIComponent(broadcast[1]), !!broadcast[2]);
    if (!authorized(req, res)) return;
    if (req.method === 'POST' && path === '/v1/gateway/keys/lookup') {
      const { recipient } = JSON.parse(body) as { recipient: PolymorphicPseudonym };
      gateway.lookupRequests.push(1);
      return json(res, 200, platform.reachabilityOf(recipient));
    }
    if (req.method === 'POST' && path === '/v1/gateway/keys/lookup/batch' && gateway.batchLookups) {
      const { recipients } = JSON.parse(body) as { recipients: PolymorphicPseudonym[] };
      if (recipients.length > 100) return problem(res, 400, 'Invalid request', 'at most 100 recipients');
      gateway.lookupRequests.push(recipients.length);
      return json(res, 200, { results: recipients.map((r) => platform.reachabilityOf(r)) });
    }
    if (req.method === 'POST' && path === '/v1/gateway/messages') {
      if (nextFailure) {
        const failure = nextFailure;
        nextFailure = undefined;
        return json(res, failure.status, failure.problem, {
          'content-type': 'application/problem+json',
          ...failure.headers,
        });
      }
      const request = messageRequestFromJson(JSON.parse(body) as MessageRequestJson);
      const key = senderPublicKey(platform.senderKey);
      if (
        request.senderId !== platform.senderId ||
        !verify(null, messageRequestSigningInput(request), key, request.signature)
      ) {
        return problem(res, 400, 'Bad signature', 'the request signature does not verify');
      }
      gateway.received.push(request);
      return json(res, 202, { messageId: request.messageId });
    }
    const status = /^\/v1\/gateway\/messages\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && status) {
      const history = gateway.statuses.get(decodeURIComponent(status[1]));
      if (!history) return problem(res, 404, 'Not found', 'no such message');
      return json(res, 200, {
        messageId: status[1],
        senderId: platform.senderId,
        history: history.map((s) => ({ ...s, occurredAt: new Date(s.occurredAt).toISOString() })),
      });
    }
    problem(res, 404, 'Not found', `${req.method} ${path}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => problem(res, 500, 'Internal error', (error as Error).message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  (gateway as { url: string }).url = base;
  return gateway;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  json(
    res,
    status,
    { type: 'about:blank', title, status, detail },
    { 'content-type': 'application/problem+json' },
  );
}
