import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** Request headers of a signed device request. */
export const DEVICE_HEADERS = {
  /** The device id (app-chosen, 16-64 base64url characters). */
  device: 'smis-device',
  /** Milliseconds since the Unix epoch when the app signed. */
  timestamp: 'smis-timestamp',
  /** Ed25519 signature over `deviceSigningInput`, base64url. */
  signature: 'smis-signature',
} as const;

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const LABEL = 'SMIS-DEVICE-REQUEST-V1';

export interface DeviceRequestParts {
  method: string;
  /** Path and query exactly as sent (e.g. `/v1/app/inbox?after=3`). */
  path: string;
  timestamp: string;
  deviceId: string;
  /** The raw body bytes (empty for none). */
  body: Uint8Array;
}

/**
 * What a device signs: `SMIS-DEVICE-REQUEST-V1`, METHOD, path?query, timestamp, device id and
 * the body's SHA-256 (lower-case hex), joined by `\n`.
 */
export function deviceSigningInput(parts: DeviceRequestParts): Buffer {
  const digest = createHash('sha256').update(parts.body).digest('hex');
  return Buffer.from(
    [LABEL, parts.method.toUpperCase(), parts.path, parts.timestamp, parts.deviceId, digest].join('\n'),
    'utf8',
  );
}

/** An Ed25519 public key object from its 32 raw bytes. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

export function verifyDeviceSignature(
  publicKey: Uint8Array,
  parts: DeviceRequestParts,
  signature: string,
): boolean {
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.length !== 64) return false;
  return verify(null, deviceSigningInput(parts), ed25519PublicKey(publicKey), bytes);
}

/**
 * Signs a request as the app does (tests, tools): returns the three headers. `seed` is the
 * 32-byte Ed25519 private key seed, `publicKey` its public key.
 */
export function signDeviceRequest(
  key: { seed: Uint8Array; publicKey: Uint8Array },
  request: { method: string; path: string; deviceId: string; body?: string | Uint8Array; timestamp?: number },
): Record<string, string> {
  const timestamp = String(request.timestamp ?? Date.now());
  const body =
    typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : (request.body ?? new Uint8Array());
  const privateKey = createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: Buffer.from(key.seed).toString('base64url'),
      x: Buffer.from(key.publicKey).toString('base64url'),
    },
    format: 'jwk',
  });
  const signature = sign(
    null,
    deviceSigningInput({
      method: request.method,
      path: request.path,
      timestamp,
      deviceId: request.deviceId,
      body,
    }),
    privateKey,
  );
  return {
    [DEVICE_HEADERS.device]: request.deviceId,
    [DEVICE_HEADERS.timestamp]: timestamp,
    [DEVICE_HEADERS.signature]: signature.toString('base64url'),
  };
}
