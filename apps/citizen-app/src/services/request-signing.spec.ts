import { describe, expect, it } from 'vitest';
// The server's own verifier (node:crypto), to prove both sides agree byte for byte.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { verifyDeviceSignature } from '../../../../libs/app-channel/src/http/device-signature';
import { appChannelApi } from '../api/app-channel';
import { createHttpClient } from '../api/http';
import { fromBase64 } from '../lib/bytes';
import { generateDeviceKeys } from './device-keys';
import { deviceSigningInput, signDeviceRequest } from './request-signing';

describe('device request signing', () => {
  it('builds the documented signing input', async () => {
    const input = await deviceSigningInput({
      method: 'get',
      path: '/v1/app/inbox?after=3',
      deviceId: 'device-0123456789ab',
      body: new Uint8Array(),
      timestamp: 1700000000000,
    });
    expect(new TextDecoder().decode(input)).toBe(
      'SMIS-DEVICE-REQUEST-V1\nGET\n/v1/app/inbox?after=3\n1700000000000\ndevice-0123456789ab\n' +
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('produces signatures the app channel verifies, and only for the signed request', async () => {
    const keys = generateDeviceKeys();
    const body = new TextEncoder().encode('{"channelOrder":["SMS","APP"]}');
    const parts = {
      method: 'PUT',
      path: '/v1/app/preferences',
      deviceId: keys.deviceId,
      body,
      timestamp: Date.now(),
    };
    const headers = await signDeviceRequest(keys.signing.secretKey, parts);
    const server = { ...parts, timestamp: headers['smis-timestamp'] };
    expect(verifyDeviceSignature(keys.signing.publicKey, server, headers['smis-signature'])).toBe(true);
    expect(
      verifyDeviceSignature(
        keys.signing.publicKey,
        { ...server, path: '/v1/app/preferences?x=1' },
        headers['smis-signature'],
      ),
    ).toBe(false);
    expect(
      verifyDeviceSignature(
        keys.signing.publicKey,
        { ...server, body: new Uint8Array([1]) },
        headers['smis-signature'],
      ),
    ).toBe(false);
  });

  it('the API client signs exactly the bytes and path it sends', async () => {
    const keys = generateDeviceKeys();
    const seen: { url: string; init: RequestInit }[] = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ items: [], cursor: '0', hasMore: false, channelOrder: [] }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }) as unknown as typeof fetch;
    const api = appChannelApi(createHttpClient('http://platform.test', fetchImpl), () => keys);
    await api.inbox('42', 10);
    await api.setPreferences({ alertRegions: ['21004'] });
    for (const { url, init } of seen) {
      const headers = init.headers as Record<string, string>;
      const path = url.slice('http://platform.test'.length);
      const body = init.body === undefined ? new Uint8Array() : new TextEncoder().encode(init.body as string);
      expect(headers['smis-device']).toBe(keys.deviceId);
      expect(
        verifyDeviceSignature(
          keys.signing.publicKey,
          {
            method: init.method as string,
            path,
            timestamp: headers['smis-timestamp'],
            deviceId: keys.deviceId,
            body,
          },
          headers['smis-signature'],
        ),
      ).toBe(true);
    }
    expect(seen[0].url).toBe('http://platform.test/v1/app/inbox?after=42&limit=10');
    expect(seen[1].init.method).toBe('PUT');
    expect(
      fromBase64(
        seen[1].init.headers ? (seen[1].init.headers as Record<string, string>)['smis-signature'] : '',
      ),
    ).toHaveLength(64);
  });

  it('turns problem details into ApiError', async () => {
    const fetchImpl = (async () =>
      new Response(
        JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'unknown or revoked device' }),
        {
          status: 401,
        },
      )) as unknown as typeof fetch;
    const api = appChannelApi(createHttpClient('', fetchImpl), generateDeviceKeys);
    await expect(api.preferences()).rejects.toMatchObject({
      status: 401,
      detail: 'unknown or revoked device',
    });
  });
});
