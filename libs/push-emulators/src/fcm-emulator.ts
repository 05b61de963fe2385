import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { EmulatorControls, lowerCaseHeaders } from './controls';
import { closeServer, listen, readBody, sendJson } from './http-util';

/** A Google service account key file, as the Firebase console downloads it. */
export interface FcmServiceAccount {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  /** PKCS#8 PEM, RSA. */
  private_key: string;
  client_email: string;
  token_uri: string;
}

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

export interface FcmEmulatorOptions {
  host?: string;
  port?: number;
  projectId?: string;
  /** Lifetime of issued access tokens (default 3600 s). */
  tokenLifetimeSeconds?: number;
}

/**
 * Firebase Cloud Messaging HTTP v1, locally: the OAuth 2.0 token endpoint (JWT-bearer grant,
 * RFC 7523, assertion signed RS256 by the service account) and
 * `POST /v1/projects/{project}/messages:send` with FCM's error answers (UNREGISTERED 404,
 * QUOTA_EXCEEDED 429, INVALID_ARGUMENT 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403).
 *
 * Topics: `message.topic` instead of `message.token` sends to every token subscribed to the topic
 * (recorded once as the topic message, then once per subscribed token); the Instance ID API
 * `POST /iid/v1:batchAdd` and `:batchRemove` (`{ to: "/topics/<name>", registration_tokens }`,
 * OAuth bearer with `access_token_auth: true`, at most 1,000 tokens) manages subscriptions.
 */
export class FcmEmulator extends EmulatorControls {
  readonly projectId: string;
  private readonly server: Server;
  private readonly publicKey: KeyObject;
  private readonly account: Omit<FcmServiceAccount, 'token_uri'>;
  private readonly accessTokens = new Map<string, number>();
  private readonly lifetime: number;
  private baseUrl = '';
  /** Access tokens issued so far (the provider under test should cache and reuse them). */
  tokensIssued = 0;
  private readonly topics = new Map<string, Set<string>>();

  private constructor(options: FcmEmulatorOptions) {
    super();
    this.projectId = options.projectId ?? 'smis-local';
    this.lifetime = options.tokenLifetimeSeconds ?? 3600;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKey = publicKey;
    this.account = {
      type: 'service_account',
      project_id: this.projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      client_email: `firebase-adminsdk@${this.projectId}.iam.gserviceaccount.com`,
    };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: { code: 500, status: 'INTERNAL' } });
      });
    });
  }

  static async start(options: FcmEmulatorOptions = {}): Promise<FcmEmulator> {
    const emulator = new FcmEmulator(options);
    const host = options.host ?? '127.0.0.1';
    const port = await listen(emulator.server, host, options.port ?? 0);
    emulator.baseUrl = `http://${host}:${port}`;
    return emulator;
  }

  /** Base URL of the FCM API (in place of https://fcm.googleapis.com). */
  get url(): string {
    return this.baseUrl;
  }

  get tokenUri(): string {
    return `${this.baseUrl}/token`;
  }

  /** The service account key file the provider under test authenticates with. */
  serviceAccount(): FcmServiceAccount {
    return { ...this.account, token_uri: this.tokenUri };
  }

  /** Tokens subscribed to `topic` now. */
  subscribers(topic: string): string[] {
    return [...(this.topics.get(topic) ?? [])].sort();
  }

  /** Topics `token` is subscribed to now. */
  topicsOf(token: string): string[] {
    return [...this.topics.entries()]
      .filter(([, tokens]) => tokens.has(token))
      .map(([topic]) => topic)
      .sort();
  }

  /** Forgets received pushes, gone tokens, throttles and topic subscriptions. */
  override reset(): void {
    super.reset();
    this.topics.clear();
  }

  /** Makes every issued access token invalid (as if expired). */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const body = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/token') return this.token(body, res);
    const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(url.pathname);
    if (req.method === 'POST' && send) return this.send(decodeURIComponent(send[1]), req, body, res);
    const iid = /^\/iid\/v1:(batchAdd|batchRemove)$/.exec(url.pathname);
    if (req.method === 'POST' && iid) return this.batch(iid[1] === 'batchAdd', req, body, res);
    sendJson(res, 404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } });
  }

  private async token(body: Buffer, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('grant_type') !== JWT_BEARER) {
      return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
    }
    const assertion = form.get('assertion');
    if (!assertion)
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'Missing assertion' });
    try {
      const { payload } = await jwtVerify(assertion, this.publicKey, {
        algorithms: ['RS256'],
        issuer: this.account.client_email,
        audience: this.tokenUri,
        requiredClaims: ['iat', 'exp', 'scope'],
        maxTokenAge: '1h',
      });
      const scopes = String(payload['scope']).split(' ');
      if (!scopes.includes(FCM_SCOPE) && !scopes.includes('https://www.googleapis.com/auth/cloud-platform')) {
        return sendJson(res, 400, { error: 'invalid_scope', error_description: 'Scope does not allow FCM' });
      }
    } catch (error) {
      return sendJson(res, 400, {
        error: 'invalid_grant',
        error_description: `Invalid JWT Signature or claims: ${(error as Error).message}`,
      });
    }
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(accessToken, Date.now() + this.lifetime * 1000);
    this.tokensIssued += 1;
    sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: this.lifetime });
  }

  private send(project: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const headers = lowerCaseHeaders(req.headers);
    const fail = (status: number, state: string, message: string, errorCode?: string, token = '') => {
      this.record({
        provider: 'fcm',
        token,
        status,
        reason: errorCode ?? state,
        headers,
        body,
        receivedAt: Date.now(),
      });
      sendJson(
        res,
        status,
        {
          error: {
            code: status,
            message,
            status: state,
            ...(errorCode ? { details: [{ '@type': FCM_ERROR_TYPE, errorCode }] } : {}),
          },
        },
        status === 429 ? { 'retry-after': String(this.lastRetryAfter) } : {},
      );
    };
    const bearer = /^Bearer (.+)$/.exec(headers['authorization'] ?? '')?.[1];
    const expiry = bearer ? this.accessTokens.get(bearer) : undefined;
    if (!bearer || expiry === undefined || expiry < Date.now()) {
      return fail(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    if (project !== this.projectId) {
      return fail(403, 'PERMISSION_DENIED', `Permission denied on project ${project}`, 'SENDER_ID_MISMATCH');
    }
    let message: { token?: unknown; topic?: unknown; data?: unknown } | undefined;
    try {
      message = (
        JSON.parse(body.toString('utf8')) as {
          message?: { token?: unknown; topic?: unknown; data?: unknown };
        }
      ).message;
    } catch {
      return fail(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.', 'INVALID_ARGUMENT');
    }
    if (message && message.topic !== undefined) return this.sendToTopic(project, message, headers, body, res);
    if (!message || typeof message.token !== 'string' || message.token.length === 0) {
      return fail(
        400,
        'INVALID_ARGUMENT',
        'Request contains an invalid argument: message.token',
        'INVALID_ARGUMENT',
      );
    }
    const token = message.token;
    if (
      message.data !== undefined &&
      (typeof message.data !== 'object' ||
        message.data === null ||
        Object.values(message.data).some((v) => typeof v !== 'string'))
    ) {
      return fail(
        400,
        'INVALID_ARGUMENT',
        'Invalid value at message.data: values must be strings',
        'INVALID_ARGUMENT',
        token,
      );
    }
    if (this.isGone(token)) {
      return fail(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED', token);
    }
    const throttle = this.takeThrottle(token);
    if (throttle) {
      this.lastRetryAfter = throttle.retryAfterSeconds;
      return fail(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for this device.', 'QUOTA_EXCEEDED', token);
    }
    this.record({ provider: 'fcm', token, status: 200, headers, body, receivedAt: Date.now() });
    sendJson(res, 200, { name: `projects/${project}/messages/${randomUUID()}` });
  }

  private sendToTopic(
    project: string,
    message: { token?: unknown; topic?: unknown; data?: unknown },
    headers: Record<string, string>,
    body: Buffer,
    res: ServerResponse,
  ): void {
    const topic = message.topic;
    const invalid = (what: string) => {
      this.record({
        provider: 'fcm',
        token: '',
        status: 400,
        reason: 'INVALID_ARGUMENT',
        headers,
        body,
        receivedAt: Date.now(),
      });
      sendJson(res, 400, {
        error: {
          code: 400,
          message: `Request contains an invalid argument: ${what}`,
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': FCM_ERROR_TYPE, errorCode: 'INVALID_ARGUMENT' }],
        },
      });
    };
    if (message.token !== undefined) return invalid('only one of message.token and message.topic');
    if (typeof topic !== 'string' || !TOPIC_NAME.test(topic)) return invalid('message.topic');
    const throttle = this.takeThrottle(`/topics/${topic}`);
    if (throttle) {
      this.lastRetryAfter = throttle.retryAfterSeconds;
      this.record({
        provider: 'fcm',
        token: '',
        topic,
        status: 429,
        reason: 'QUOTA_EXCEEDED',
        headers,
        body,
        receivedAt: Date.now(),
      });
      return sendJson(
        res,
        429,
        {
          error: {
            code: 429,
            message: 'Topic quota exceeded.',
            status: 'RESOURCE_EXHAUSTED',
            details: [{ '@type': FCM_ERROR_TYPE, errorCode: 'QUOTA_EXCEEDED' }],
          },
        },
        { 'retry-after': String(throttle.retryAfterSeconds) },
      );
    }
    const receivedAt = Date.now();
    this.record({ provider: 'fcm', token: '', topic, status: 200, headers, body, receivedAt });
    for (const token of this.subscribers(topic)) {
      if (!this.isGone(token))
        this.record({ provider: 'fcm', token, topic, status: 200, headers, body, receivedAt });
    }
    sendJson(res, 200, { name: `projects/${project}/messages/${randomUUID()}` });
  }

  /** Instance ID API: subscribe (batchAdd) or unsubscribe (batchRemove) tokens to/from a topic. */
  private batch(add: boolean, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const headers = lowerCaseHeaders(req.headers);
    const bearer = /^Bearer (.+)$/.exec(headers['authorization'] ?? '')?.[1];
    const expiry = bearer ? this.accessTokens.get(bearer) : undefined;
    if (!bearer || expiry === undefined || expiry < Date.now() || headers['access_token_auth'] !== 'true')
      return sendJson(res, 401, { error: 'Unauthorized' });
    let request: { to?: unknown; registration_tokens?: unknown };
    try {
      request = JSON.parse(body.toString('utf8')) as typeof request;
    } catch {
      return sendJson(res, 400, { error: 'InvalidJson' });
    }
    const to = typeof request.to === 'string' ? /^\/topics\/(.+)$/.exec(request.to)?.[1] : undefined;
    const tokens = request.registration_tokens;
    if (!to || !TOPIC_NAME.test(to)) return sendJson(res, 400, { error: 'InvalidParameters: to' });
    if (
      !Array.isArray(tokens) ||
      tokens.length === 0 ||
      tokens.length > 1000 ||
      !tokens.every((t) => typeof t === 'string' && t.length > 0)
    )
      return sendJson(res, 400, { error: 'InvalidParameters: registration_tokens' });
    const subscribed = this.topics.get(to) ?? new Set<string>();
    const results = (tokens as string[]).map((token) => {
      if (this.isGone(token)) return { error: 'NOT_FOUND' };
      if (add) subscribed.add(token);
      else subscribed.delete(token);
      return {};
    });
    if (subscribed.size > 0) this.topics.set(to, subscribed);
    else this.topics.delete(to);
    sendJson(res, 200, { results });
  }

  private lastRetryAfter = 0;
}

/** FCM topic names: [a-zA-Z0-9-_.~%]+ */
const TOPIC_NAME = /^[a-zA-Z0-9\-_.~%]{1,900}$/;
