// oidc-provider ships no types: referenced here so every project importing this file sees them.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./oidc-provider.d.ts" />
/**
 * A local OpenID Connect provider for development and tests (the `oidc-provider` package):
 * authorization code flow with PKCE, confidential clients, test citizens with a NISS claim, and
 * a development-only login form without passwords (pick a citizen, post the form). Never expose
 * it beyond localhost: anyone who reaches it can log in as any test citizen.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { Provider } from 'oidc-provider';

/** A test citizen: logs in with the dev form by NISS. */
export interface DevCitizen {
  /** 11 digits (or anything: invalid values test the relying party's validation). */
  niss: string;
  name: string;
  givenName?: string;
  familyName?: string;
}

/** A confidential relying party (client_secret_basic or client_secret_post). */
export interface DevClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface DevOidcProviderOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  citizens: readonly DevCitizen[];
  clients: readonly DevClient[];
  /** Name of the claim (and scope) carrying the NISS; default `national_number`. */
  nationalNumberClaim?: string;
  /** Private signing key (JWK with `alg`, e.g. RS256); generated when absent. */
  signingKey?: JWK;
  /** ID token lifetime (default 600 s). */
  idTokenTtlSeconds?: number;
}

export interface DevOidcProvider {
  /** The issuer identifier, `http://127.0.0.1:<port>`. */
  readonly issuer: string;
  /** `<issuer>/.well-known/openid-configuration`. */
  readonly discoveryUrl: string;
  readonly port: number;
  /** The private signing key (so tests can mint tokens the relying party must reject for other reasons). */
  readonly signingKey: JWK;
  /** The `sub` the provider gives a citizen. */
  subjectOf(niss: string): string | undefined;
  /**
   * Plays the browser: opens `authorizationUrl`, logs in as the citizen with `niss` through the
   * dev form, follows the redirects, and returns the redirect to the client (`...?code=&state=`).
   */
  loginAs(authorizationUrl: string, niss: string): Promise<URL>;
  close(): Promise<void>;
}

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login)?$/;

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 16_384) {
        reject(new Error('form too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No form-action: Chromium applies it to the redirect back to the relying party, which is another origin.
    'content-security-policy': "default-src 'none'",
  });
  res.end(html);
}

export async function startDevOidcProvider(options: DevOidcProviderOptions): Promise<DevOidcProvider> {
  const host = options.host ?? '127.0.0.1';
  const claim = options.nationalNumberClaim ?? 'national_number';
  let signingKey = options.signingKey;
  if (!signingKey) {
    const pair = await generateKeyPair('RS256', { extractable: true });
    signingKey = { ...(await exportJWK(pair.privateKey)), alg: 'RS256', use: 'sig', kid: randomUUID() };
  }
  const subjects = new Map<string, { sub: string; citizen: DevCitizen }>();
  for (const citizen of options.citizens) {
    subjects.set(citizen.niss, { sub: `dev-${randomBytes(8).toString('hex')}`, citizen });
  }
  const bySub = new Map([...subjects.values()].map((s) => [s.sub, s.citizen]));

  // Listen first: the issuer needs the port.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host}:${port}`;

  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: signingKey.alg ?? 'RS256',
    })),
    findAccount: async (_ctx: unknown, sub: string) => {
      const citizen = bySub.get(sub);
      if (!citizen) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          name: citizen.name,
          given_name: citizen.givenName,
          family_name: citizen.familyName,
          [claim]: citizen.niss,
        }),
      };
    },
    claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name'], [claim]: [claim] },
    scopes: ['openid', 'profile', claim],
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [signingKey] },
    ttl: {
      IdToken: options.idTokenTtlSeconds ?? 600,
      AccessToken: 600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  });
  const oidc = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, login: boolean): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (!login) {
      const choices = [...subjects.keys()]
        .map((niss) => {
          const c = subjects.get(niss)?.citizen as DevCitizen;
          return `<option value="${escapeHtml(niss)}">${escapeHtml(c.name)}</option>`;
        })
        .join('');
      return send(
        res,
        200,
        `<!doctype html><title>Dev login</title><h1>Development login (no password)</h1>` +
          `<form method="post" action="/interaction/${escapeHtml(details.uid)}/login">` +
          `<select name="niss">${choices}</select><button type="submit">Log in</button></form>`,
      );
    }
    if (req.method !== 'POST') return send(res, 405, 'POST the form');
    const form = await readForm(req);
    const entry = subjects.get(form.get('niss') ?? '');
    if (!entry) return send(res, 400, 'Unknown test citizen');
    const clientId = String(details.params.client_id ?? '');
    const grant = new provider.Grant({ accountId: entry.sub, clientId });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const missing = details.prompt.details['missingOIDCClaims'];
    if (Array.isArray(missing)) grant.addOIDCClaims(missing.map(String));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: entry.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const match = INTERACTION_PATH.exec(path);
    if (!match) return oidc(req, res);
    interaction(req, res, match[2] === '/login').catch((error: unknown) => {
      if (!res.headersSent) send(res, 400, escapeHtml(`Interaction failed: ${(error as Error).message}`));
      else res.end();
    });
  };

  async function loginAs(authorizationUrl: string, niss: string): Promise<URL> {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const remember = (response: Response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair.indexOf('=');
        const name = pair.slice(0, at).trim();
        const value = pair.slice(at + 1).trim();
        if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
        else jar.set(name, value);
      }
    };
    let url = new URL(authorizationUrl);
    for (let hop = 0; hop < 10; hop++) {
      if (url.origin !== issuer) return url;
      const interactionMatch = INTERACTION_PATH.exec(url.pathname);
      const response = interactionMatch
        ? await fetch(new URL(`${url.pathname}/login`, issuer), {
            method: 'POST',
            redirect: 'manual',
            headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ niss }).toString(),
          })
        : await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader() } });
      remember(response);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        const body = await response.text();
        throw new Error(
          `dev OIDC login stopped at ${url.pathname}: HTTP ${response.status} ${body.slice(0, 200)}`,
        );
      }
      await response.body?.cancel();
      url = new URL(location, url);
    }
    throw new Error('dev OIDC login: too many redirects');
  }

  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    port,
    signingKey,
    subjectOf: (niss) => subjects.get(niss)?.sub,
    loginAs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
