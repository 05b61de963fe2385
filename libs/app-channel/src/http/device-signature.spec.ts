import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  deviceSigningInput,
  signDeviceRequest,
  verifyDeviceSignature,
  DEVICE_HEADERS,
} from './device-signature';

function key() {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  return {
    seed: Buffer.from(jwk.d as string, 'base64url'),
    publicKey: Buffer.from(jwk.x as string, 'base64url'),
  };
}

describe('device request signature', () => {
  const deviceId = 'AAAAAAAAAAAAAAAAAAAAAA';

  it('signs method, path, timestamp, device id and the body digest', () => {
    const input = deviceSigningInput({
      method: 'put',
      path: '/v1/app/preferences',
      timestamp: '1700000000000',
      deviceId,
      body: Buffer.from('{}'),
    });
    expect(input.toString()).toBe(
      'SMIS-DEVICE-REQUEST-V1\nPUT\n/v1/app/preferences\n1700000000000\nAAAAAAAAAAAAAAAAAAAAAA\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    );
  });

  it('verifies what was signed and nothing else', () => {
    const k = key();
    const headers = signDeviceRequest(k, {
      method: 'POST',
      path: '/v1/app/messages/x/read',
      deviceId,
      body: '{"a":1}',
      timestamp: 1,
    });
    const parts = {
      method: 'POST',
      path: '/v1/app/messages/x/read',
      timestamp: '1',
      deviceId,
      body: Buffer.from('{"a":1}'),
    };
    const signature = headers[DEVICE_HEADERS.signature];
    expect(verifyDeviceSignature(k.publicKey, parts, signature)).toBe(true);
    expect(verifyDeviceSignature(k.publicKey, { ...parts, body: Buffer.from('{"a":2}') }, signature)).toBe(
      false,
    );
    expect(verifyDeviceSignature(k.publicKey, { ...parts, path: '/v1/app/messages/y/read' }, signature)).toBe(
      false,
    );
    expect(verifyDeviceSignature(k.publicKey, { ...parts, method: 'DELETE' }, signature)).toBe(false);
    expect(verifyDeviceSignature(k.publicKey, { ...parts, timestamp: '2' }, signature)).toBe(false);
    expect(verifyDeviceSignature(key().publicKey, parts, signature)).toBe(false);
    expect(verifyDeviceSignature(k.publicKey, parts, 'AAAA')).toBe(false);
  });
});
