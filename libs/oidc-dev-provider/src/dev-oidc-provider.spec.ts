import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOidcProvider, type DevOidcProvider } from './dev-oidc-provider';

describe('dev OpenID provider', () => {
  let op: DevOidcProvider;
  const redirectUri = 'http://127.0.0.1:9/callback';
  const client = { clientId: 'rp', clientSecret: 'rp-secret', redirectUris: [redirectUri] };

  beforeAll(async () => {
    op = await startDevOidcProvider({
      citizens: [{ niss: '85073003328', name: 'Test Citizen' }],
      clients: [client],
    });
  });
  afterAll(() => op?.close());

  it('runs the code flow with PKCE and puts the NISS claim in the ID token', async () => {
    const discovery = (await (await fetch(op.discoveryUrl)).json()) as Record<string, string>;
    expect(discovery.issuer).toBe(op.issuer);
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const auth = new URL(discovery.authorization_endpoint);
    auth.search = new URLSearchParams({
      client_id: client.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid national_number',
      state: 'st',
      nonce: 'no',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    const back = await op.loginAs(auth.toString(), '85073003328');
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('st');
    const token = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('rp:rp-secret').toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code') ?? '',
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    expect(token.status).toBe(200);
    const { id_token } = (await token.json()) as { id_token: string };
    const { payload } = await jwtVerify(id_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: op.issuer,
      audience: 'rp',
    });
    expect(payload.national_number).toBe('85073003328');
    expect(payload.nonce).toBe('no');
    expect(payload.sub).toBe(op.subjectOf('85073003328'));
  });

  it('refuses an authorization request without PKCE', async () => {
    const auth = new URL(`${op.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: 'rp',
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid',
    }).toString();
    const response = await fetch(auth, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '', op.issuer);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });
});
