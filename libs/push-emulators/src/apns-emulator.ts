import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { EmulatorControls, lowerCaseHeaders } from './controls';

/** The provider authentication token signing key, as Apple's developer portal gives it (.p8). */
export interface ApnsProviderKey {
  teamId: string;
  keyId: string;
  /** PKCS#8 PEM, P-256. */
  privateKey: string;
}

export interface ApnsEmulatorOptions {
  host?: string;
  port?: number;
  /** The app's bundle id, the only apns-topic accepted (default `be.smis.app`). */
  topic?: string;
}

const PUSH_TYPES = new Set([
  'alert',
  'background',
  'voip',
  'complication',
  'fileprovider',
  'mdm',
  'location',
  'liveactivity',
]);
const MAX_PAYLOAD = 4096;

/**
 * Apple Push Notification service, locally: HTTP/2 without TLS (h2c), `POST /3/device/{token}`
 * with token-based authentication (ES256 JWT: kid, iss = team id, iat at most an hour old),
 * apns-topic / apns-push-type checks, and APNs' answers (`{"reason": ...}`): 403
 * MissingProviderToken / InvalidProviderToken / ExpiredProviderToken, 400 BadDeviceToken /
 * MissingTopic / DeviceTokenNotForTopic / InvalidPushType / PayloadEmpty, 410 Unregistered (with
 * timestamp), 413 PayloadTooLarge, 429 TooManyRequests.
 */
export class ApnsEmulator extends EmulatorControls {
  readonly topic: string;
  private readonly server: Http2Server;
  private readonly key: ApnsProviderKey;
  private readonly publicKey: KeyObject;
  private baseUrl = '';

  private constructor(options: ApnsEmulatorOptions) {
    super();
    this.topic = options.topic ?? 'be.smis.app';
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.publicKey = publicKey;
    this.key = {
      teamId: randomBytes(5).toString('hex').toUpperCase(),
      keyId: randomBytes(5).toString('hex').toUpperCase(),
      privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    };
    this.server = createServer();
    this.server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        this.handle(stream, headers, Buffer.concat(chunks)).catch(() => {
          if (!stream.headersSent && !stream.destroyed) {
            stream.respond({ ':status': 500 });
            stream.end(JSON.stringify({ reason: 'InternalServerError' }));
          }
        });
      });
      stream.on('error', () => undefined);
    });
  }

  static async start(options: ApnsEmulatorOptions = {}): Promise<ApnsEmulator> {
    const emulator = new ApnsEmulator(options);
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      emulator.server.once('error', reject);
      emulator.server.listen(options.port ?? 0, host, () => resolve());
    });
    emulator.baseUrl = `http://${host}:${(emulator.server.address() as AddressInfo).port}`;
    return emulator;
  }

  /** h2c URL of the emulator (in place of https://api.push.apple.com). */
  get url(): string {
    return this.baseUrl;
  }

  /** The signing key the provider under test makes its provider tokens with. */
  providerKey(): ApnsProviderKey {
    return { ...this.key };
  }

  /** A well-formed device token (64 hex characters), as an iPhone would get. */
  static newDeviceToken(): string {
    return randomBytes(32).toString('hex');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(stream: ServerHttp2Stream, raw: IncomingHttpHeaders, body: Buffer): Promise<void> {
    const headers = lowerCaseHeaders(raw as Record<string, string | string[] | undefined>);
    const path = String(raw[':path'] ?? '');
    const match = /^\/3\/device\/([^/?]+)$/.exec(path);
    const token = match ? decodeURIComponent(match[1]) : '';
    const answer = (status: number, reason?: string, extra: Record<string, unknown> = {}): void => {
      this.record({ provider: 'apns', token, status, reason, headers, body, receivedAt: Date.now() });
      const apnsId = headers['apns-id'] ?? randomUUID();
      stream.respond({ ':status': status, 'apns-id': apnsId, 'content-type': 'application/json' });
      stream.end(reason ? JSON.stringify({ reason, ...extra }) : undefined);
    };
    if (raw[':method'] !== 'POST') return answer(405, 'MethodNotAllowed');
    if (!match) return answer(404, 'BadPath');
    const authorization = headers['authorization'];
    const jwt = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!jwt) return answer(403, 'MissingProviderToken');
    try {
      const header = decodeProtectedHeader(jwt);
      if (header.alg !== 'ES256' || header.kid !== this.key.keyId) return answer(403, 'InvalidProviderToken');
    } catch {
      return answer(403, 'InvalidProviderToken');
    }
    try {
      await jwtVerify(jwt, this.publicKey, {
        algorithms: ['ES256'],
        issuer: this.key.teamId,
        requiredClaims: ['iat'],
        maxTokenAge: '1h',
        clockTolerance: 60,
      });
    } catch (error) {
      const expired =
        (error as { code?: string }).code === 'ERR_JWT_EXPIRED' ||
        /maxTokenAge|"iat"/.test((error as Error).message);
      return answer(403, expired ? 'ExpiredProviderToken' : 'InvalidProviderToken');
    }
    if (!/^[0-9a-fA-F]{64}$/.test(token)) return answer(400, 'BadDeviceToken');
    const topic = headers['apns-topic'];
    if (!topic) return answer(400, 'MissingTopic');
    if (topic !== this.topic) return answer(400, 'DeviceTokenNotForTopic');
    const pushType = headers['apns-push-type'];
    if (pushType !== undefined && !PUSH_TYPES.has(pushType)) return answer(400, 'InvalidPushType');
    if (headers['apns-priority'] !== undefined && !['1', '5', '10'].includes(headers['apns-priority']))
      return answer(400, 'BadPriority');
    if (body.length === 0) return answer(400, 'PayloadEmpty');
    if (body.length > MAX_PAYLOAD) return answer(413, 'PayloadTooLarge');
    try {
      const payload = JSON.parse(body.toString('utf8')) as { aps?: unknown };
      if (typeof payload !== 'object' || payload === null || typeof payload.aps !== 'object')
        return answer(400, 'BadPayload');
    } catch {
      return answer(400, 'BadPayload');
    }
    if (this.isGone(token)) return answer(410, 'Unregistered', { timestamp: Date.now() });
    if (this.takeThrottle(token)) return answer(429, 'TooManyRequests');
    answer(200);
  }
}
