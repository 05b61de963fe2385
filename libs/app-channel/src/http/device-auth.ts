import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Coalescer } from '@smis/persistence';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AppChannelConfig } from '../config';
import { AuthenticationError } from '../errors';
import { AppChannelMetrics } from '../metrics';
import { AppChannelStore, type DeviceRow } from '../store';
import { APP_CHANNEL_CONFIG } from '../tokens';
import { DEVICE_HEADERS, DEVICE_ID_PATTERN, verifyDeviceSignature } from './device-signature';

export interface SignedRequest {
  method: string;
  originalUrl?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  rawBody?: Buffer;
  body?: unknown;
}

const DEVICE = Symbol('smis.app.device');
type WithDevice = SignedRequest & { [DEVICE]?: DeviceRow };

/**
 * Checks signed device requests: fresh timestamp (± signatureMaxSkewMs), valid Ed25519 signature
 * over method, path, timestamp, device id and body digest, and never the same signature twice
 * (the digest is kept in `request_nonce` for the skew window).
 */
@Injectable()
export class DeviceRequestVerifier {
  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    private readonly store: AppChannelStore,
    private readonly metrics: AppChannelMetrics,
  ) {}

  /** The claimed device id, syntactically checked. */
  deviceIdOf(request: SignedRequest): string {
    const id = header(request.headers, DEVICE_HEADERS.device);
    if (!id || !DEVICE_ID_PATTERN.test(id))
      throw this.reject(`${DEVICE_HEADERS.device} header missing or malformed`);
    return id;
  }

  /** Verifies the request with `signingPublicKey` (base64); throws AuthenticationError. */
  async verify(request: SignedRequest, signingPublicKey: string): Promise<void> {
    const deviceId = this.deviceIdOf(request);
    const timestamp = header(request.headers, DEVICE_HEADERS.timestamp);
    const signature = header(request.headers, DEVICE_HEADERS.signature);
    if (!timestamp || !/^\d{1,15}$/.test(timestamp) || !signature)
      throw this.reject('signature headers missing');
    const at = Number(timestamp);
    if (Math.abs(Date.now() - at) > this.config.signatureMaxSkewMs)
      throw this.reject('stale or future timestamp');
    const body = rawBodyOf(request);
    const path = request.originalUrl ?? request.url ?? '/';
    const ok = verifyDeviceSignature(
      Buffer.from(signingPublicKey, 'base64'),
      { method: request.method, path, timestamp, deviceId, body },
      signature,
    );
    if (!ok) throw this.reject('bad signature');
    const digest = createHash('sha256').update(signature).digest('hex');
    const fresh = await this.nonces.submit({ digest, expiresAt: at + this.config.signatureMaxSkewMs });
    if (!fresh) throw this.reject('replayed request');
    this.metrics.deviceRequests.inc({ outcome: 'accepted' });
  }

  /**
   * Records signature digests, the concurrent requests' in one statement (group commit): true
   * for a digest not seen before. A digest twice in one batch is fresh the first time only.
   */
  private readonly nonces = new Coalescer<{ digest: string; expiresAt: number }, boolean>(async (items) => {
    const inserted = await this.store.prepared<{ digest: string }>(
      `INSERT INTO ${this.store.nonce} ("digest", "expires_at")
       SELECT d, to_timestamp(e / 1000.0) FROM unnest($1::text[], $2::float8[]) AS n(d, e)
       ON CONFLICT ("digest") DO NOTHING RETURNING "digest"`,
      [items.map((item) => item.digest), items.map((item) => item.expiresAt)],
    );
    const fresh = new Set(inserted.map((row) => row.digest));
    return items.map((item) => fresh.delete(item.digest));
  });

  private reject(why: string): AuthenticationError {
    this.metrics.deviceRequests.inc({ outcome: 'rejected' });
    return new AuthenticationError(`Device request not authenticated: ${why}`);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function rawBodyOf(request: SignedRequest): Buffer {
  if (Buffer.isBuffer(request.rawBody)) return request.rawBody;
  const length = Number(request.headers['content-length'] ?? 0);
  if (
    length > 0 ||
    (request.body && typeof request.body === 'object' && Object.keys(request.body).length > 0)
  ) {
    // The signature covers the bytes sent; without them it cannot be checked.
    throw new Error(
      'The raw request body is not available: create the Nest application with { rawBody: true }',
    );
  }
  return Buffer.alloc(0);
}

/** Lets through signed requests of active devices; attaches the device to the request. */
@Injectable()
export class DeviceAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: DeviceRequestVerifier,
    private readonly store: AppChannelStore,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WithDevice>();
    const deviceId = this.verifier.deviceIdOf(request);
    const device = await this.store.lookupDevice(deviceId);
    if (!device || !device.active)
      throw new AuthenticationError('Device request not authenticated: unknown or revoked device');
    await this.verifier.verify(request, device.signing_public_key);
    request[DEVICE] = device;
    return true;
  }
}

/** The authenticated device (after DeviceAuthGuard). */
export const CurrentDevice = createParamDecorator((_: unknown, context: ExecutionContext): DeviceRow => {
  const device = context.switchToHttp().getRequest<WithDevice>()[DEVICE];
  if (!device) throw new AuthenticationError('No authenticated device');
  return device;
});
