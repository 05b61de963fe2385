import nacl from 'tweetnacl';
import { toBase64Url, toHex } from '../lib/bytes';

/** The app channel's request-signing scheme (libs/app-channel device-signature.ts). */
export const DEVICE_HEADERS = {
  device: 'smis-device',
  timestamp: 'smis-timestamp',
  signature: 'smis-signature',
} as const;

const LABEL = 'SMIS-DEVICE-REQUEST-V1';

export interface RequestToSign {
  method: string;
  /** Path and query exactly as sent, e.g. `/v1/app/inbox?after=3`. */
  path: string;
  deviceId: string;
  body: Uint8Array;
  timestamp: number;
}

export async function deviceSigningInput(request: RequestToSign): Promise<Uint8Array> {
  const digest = new Uint8Array(
    await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(request.body)),
  );
  return new TextEncoder().encode(
    [
      LABEL,
      request.method.toUpperCase(),
      request.path,
      String(request.timestamp),
      request.deviceId,
      toHex(digest),
    ].join('\n'),
  );
}

/** The three headers of a signed device request (Ed25519 secret key: 64 bytes, tweetnacl form). */
export async function signDeviceRequest(
  secretKey: Uint8Array,
  request: RequestToSign,
): Promise<Record<string, string>> {
  const signature = nacl.sign.detached(await deviceSigningInput(request), secretKey);
  return {
    [DEVICE_HEADERS.device]: request.deviceId,
    [DEVICE_HEADERS.timestamp]: String(request.timestamp),
    [DEVICE_HEADERS.signature]: toBase64Url(signature),
  };
}
