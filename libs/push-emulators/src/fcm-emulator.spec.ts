import { generateKeyPairSync } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FCM_SCOPE, FcmEmulator } from './fcm-emulator';

describe('FCM HTTP v1 emulator', () => {
  let fcm: FcmEmulator;

  beforeAll(async () => {
    fcm = await FcmEmulator.start({ projectId: 'proj-1' });
  });
  afterAll(() => fcm.close());

  async function assertion(overrides: { key?: string; aud?: string; scope?: string } = {}): Promise<string> {
    const account = fcm.serviceAccount();
    const key = await importPKCS8(overrides.key ?? account.private_key, 'RS256');
    return new SignJWT({ scope: overrides.scope ?? FCM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', kid: account.private_key_id })
      .setIssuer(account.client_email)
      .setAudience(overrides.aud ?? account.token_uri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
  }

  async function token(jwt: string): Promise<Response> {
    return fetch(fcm.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: jwt,
      }),
    });
  }

  async function accessToken(): Promise<string> {
    const res = await token(await assertion());
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  function send(bearer: string, message: unknown, project = 'proj-1'): Promise<Response> {
    return fetch(`${fcm.url}/v1/projects/${project}/messages:send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });
  }

  it('grants an access token for an RS256 assertion of the service account, and refuses others', async () => {
    const ok = await token(await assertion());
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });

    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    const forged = await token(await assertion({ key: stranger.toString() }));
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: 'invalid_grant' });

    expect((await token(await assertion({ aud: 'https://elsewhere/token' }))).status).toBe(400);
    const scope = await token(await assertion({ scope: 'https://www.googleapis.com/auth/userinfo.email' }));
    expect(await scope.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('delivers with a valid access token and records the message', async () => {
    const bearer = await accessToken();
    const res = await send(bearer, { token: 'tok-ok', data: { messageId: 'm-1' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toMatch(/^projects\/proj-1\/messages\//);
    const push = await fcm.waitFor((p) => p.token === 'tok-ok' && p.status === 200);
    expect(JSON.parse(push.body.toString())).toEqual({
      message: { token: 'tok-ok', data: { messageId: 'm-1' } },
    });
  });

  it('answers UNAUTHENTICATED without or with an unknown/expired access token', async () => {
    expect((await send('ya29.nope', { token: 't' })).status).toBe(401);
    const bearer = await accessToken();
    fcm.expireAccessTokens();
    const res = await send(bearer, { token: 't' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { status: 'UNAUTHENTICATED' } });
  });

  it('answers INVALID_ARGUMENT, UNREGISTERED, QUOTA_EXCEEDED and PERMISSION_DENIED as FCM does', async () => {
    const bearer = await accessToken();
    const invalid = await send(bearer, { data: { a: 'b' } });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { status: 'INVALID_ARGUMENT', details: [{ errorCode: 'INVALID_ARGUMENT' }] },
    });
    expect((await send(bearer, { token: 'x', data: { n: 1 } })).status).toBe(400);

    fcm.markGone('tok-gone');
    const gone = await send(bearer, { token: 'tok-gone' });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({
      error: { status: 'NOT_FOUND', details: [{ errorCode: 'UNREGISTERED' }] },
    });

    fcm.throttle('tok-busy', 1, 3);
    const busy = await send(bearer, { token: 'tok-busy' });
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('3');
    expect(await busy.json()).toMatchObject({ error: { details: [{ errorCode: 'QUOTA_EXCEEDED' }] } });
    expect((await send(bearer, { token: 'tok-busy' })).status).toBe(200);

    const other = await send(bearer, { token: 't' }, 'someone-else');
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ error: { status: 'PERMISSION_DENIED' } });
  });

  function iid(
    bearer: string,
    op: 'batchAdd' | 'batchRemove',
    body: unknown,
    auth = true,
  ): Promise<Response> {
    return fetch(`${fcm.url}/iid/v1:${op}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
        ...(auth ? { access_token_auth: 'true' } : {}),
      },
      body: JSON.stringify(body),
    });
  }

  it('subscribes tokens to topics and delivers a topic message to exactly the subscribed tokens', async () => {
    fcm.reset();
    const bearer = await accessToken();
    const add = await iid(bearer, 'batchAdd', {
      to: '/topics/region-21004',
      registration_tokens: ['tok-a', 'tok-b'],
    });
    expect(add.status).toBe(200);
    expect(await add.json()).toEqual({ results: [{}, {}] });
    expect(
      (await iid(bearer, 'batchAdd', { to: '/topics/all', registration_tokens: ['tok-c'] })).status,
    ).toBe(200);
    expect(fcm.subscribers('region-21004')).toEqual(['tok-a', 'tok-b']);
    expect(fcm.topicsOf('tok-c')).toEqual(['all']);

    const removed = await iid(bearer, 'batchRemove', {
      to: '/topics/region-21004',
      registration_tokens: ['tok-b'],
    });
    expect(removed.status).toBe(200);
    expect(fcm.subscribers('region-21004')).toEqual(['tok-a']);

    const sent = await send(bearer, { topic: 'region-21004', data: { bid: 'b-1' } });
    expect(sent.status).toBe(200);
    const deliveries = fcm.accepted.filter((p) => p.topic === 'region-21004');
    expect(deliveries.map((p) => p.token)).toEqual(['', 'tok-a']);
  });

  it('refuses topic management without access_token_auth, bad topics and a message with both token and topic', async () => {
    const bearer = await accessToken();
    expect(
      (await iid(bearer, 'batchAdd', { to: '/topics/x', registration_tokens: ['t'] }, false)).status,
    ).toBe(401);
    expect((await iid(bearer, 'batchAdd', { to: 'x', registration_tokens: ['t'] })).status).toBe(400);
    expect((await iid(bearer, 'batchAdd', { to: '/topics/x', registration_tokens: [] })).status).toBe(400);
    expect((await send(bearer, { topic: 'bad topic!' })).status).toBe(400);
    expect((await send(bearer, { topic: 'x', token: 't' })).status).toBe(400);
  });
});
