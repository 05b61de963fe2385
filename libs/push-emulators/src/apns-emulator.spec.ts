import { generateKeyPairSync } from 'node:crypto';
import { connect, type ClientHttp2Session } from 'node:http2';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApnsEmulator } from './apns-emulator';

describe('APNs HTTP/2 emulator', () => {
  let apns: ApnsEmulator;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    apns = await ApnsEmulator.start({ topic: 'be.smis.test' });
    session = connect(apns.url);
  });
  afterAll(async () => {
    session.close();
    await apns.close();
  });

  async function providerToken(
    options: { pem?: string; kid?: string; iss?: string; iat?: number } = {},
  ): Promise<string> {
    const key = apns.providerKey();
    const signer = await importPKCS8(options.pem ?? key.privateKey, 'ES256');
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? key.keyId })
      .setIssuer(options.iss ?? key.teamId)
      .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
      .sign(signer);
  }

  function post(
    token: string,
    headers: Record<string, string>,
    body = JSON.stringify({ aps: { 'content-available': 1 }, mid: 'm-1' }),
  ): Promise<{ status: number; reason?: string; timestamp?: number }> {
    return new Promise((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': `/3/device/${token}`, ...headers });
      let status = 0;
      const chunks: Buffer[] = [];
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status, ...(text ? (JSON.parse(text) as object) : {}) });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const good = async (): Promise<Record<string, string>> => ({
    authorization: `bearer ${await providerToken()}`,
    'apns-topic': 'be.smis.test',
    'apns-push-type': 'alert',
  });

  it('accepts a push with a valid ES256 provider token over HTTP/2', async () => {
    const device = ApnsEmulator.newDeviceToken();
    expect(await post(device, await good())).toEqual({ status: 200 });
    const push = await apns.waitFor((p) => p.token === device);
    expect(push.headers['apns-topic']).toBe('be.smis.test');
    expect(JSON.parse(push.body.toString())).toMatchObject({ mid: 'm-1' });
  });

  it('refuses missing, forged, foreign and stale provider tokens with 403', async () => {
    const device = ApnsEmulator.newDeviceToken();
    const headers = await good();
    expect(await post(device, { ...headers, authorization: '' })).toMatchObject({
      status: 403,
      reason: 'MissingProviderToken',
    });
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    expect(
      await post(device, { ...headers, authorization: `bearer ${await providerToken({ pem: stranger })}` }),
    ).toMatchObject({
      status: 403,
      reason: 'InvalidProviderToken',
    });
    expect(
      await post(device, {
        ...headers,
        authorization: `bearer ${await providerToken({ kid: 'OTHERKEY01' })}`,
      }),
    ).toMatchObject({
      status: 403,
      reason: 'InvalidProviderToken',
    });
    expect(
      await post(device, {
        ...headers,
        authorization: `bearer ${await providerToken({ iss: 'OTHERTEAM' })}`,
      }),
    ).toMatchObject({
      status: 403,
      reason: 'InvalidProviderToken',
    });
    const old = Math.floor(Date.now() / 1000) - 2 * 3600;
    expect(
      await post(device, { ...headers, authorization: `bearer ${await providerToken({ iat: old })}` }),
    ).toMatchObject({
      status: 403,
      reason: 'ExpiredProviderToken',
    });
  });

  it('checks the device token, topic, push type and payload', async () => {
    const headers = await good();
    const device = ApnsEmulator.newDeviceToken();
    expect(await post('not-hex', headers)).toMatchObject({ status: 400, reason: 'BadDeviceToken' });
    const { ['apns-topic']: _topic, ...noTopic } = headers;
    expect(await post(device, noTopic)).toMatchObject({ status: 400, reason: 'MissingTopic' });
    expect(await post(device, { ...headers, 'apns-topic': 'com.other' })).toMatchObject({
      status: 400,
      reason: 'DeviceTokenNotForTopic',
    });
    expect(await post(device, { ...headers, 'apns-push-type': 'shout' })).toMatchObject({
      status: 400,
      reason: 'InvalidPushType',
    });
    expect(await post(device, headers, '')).toMatchObject({ status: 400, reason: 'PayloadEmpty' });
    expect(await post(device, headers, JSON.stringify({ aps: { alert: 'x'.repeat(5000) } }))).toMatchObject({
      status: 413,
      reason: 'PayloadTooLarge',
    });
  });

  it('answers 410 Unregistered for a gone token and 429 TooManyRequests when throttled', async () => {
    const headers = await good();
    const gone = ApnsEmulator.newDeviceToken();
    apns.markGone(gone);
    const answer = await post(gone, headers);
    expect(answer).toMatchObject({ status: 410, reason: 'Unregistered' });
    expect(answer.timestamp).toBeGreaterThan(0);
    const busy = ApnsEmulator.newDeviceToken();
    apns.throttle(busy, 1);
    expect(await post(busy, headers)).toMatchObject({ status: 429, reason: 'TooManyRequests' });
    expect(await post(busy, headers)).toEqual({ status: 200 });
  });
});
