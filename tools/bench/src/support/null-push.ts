/**
 * The app channel's real push providers (FCM HTTP v1, APNs, Web Push) with the network replaced
 * by a null transport that answers success at once: every request the providers build — OAuth
 * bearer and JSON body for FCM, ES256 provider token, headers and payload for APNs, VAPID JWT and
 * RFC 8291 aes128gcm payload encryption for Web Push — is built as in production and handed to
 * the transport, which counts it and opens no socket.
 *
 * FCM's OAuth access token is fetched once an hour with the global `fetch` (the provider takes no
 * client for it): while the null transport is installed, `fetch` answers the bench's token URL
 * with a token and refuses every other URL, so the bench never reaches a network.
 */
import {
  ApnsPushProvider,
  FcmPushProvider,
  WebPushProvider,
  type AppChannelConfig,
  type PushProvider,
  type PushProviderKind,
} from '@smis/app-channel';
import {
  decryptWebPushPayload,
  generateSubscriptionSecrets,
  type SubscriptionSecrets,
} from '@smis/push-emulators';
import { createECDH, generateKeyPairSync } from 'node:crypto';

type PushHttp = NonNullable<ConstructorParameters<typeof FcmPushProvider>[2]>;
type HttpAnswer = Awaited<ReturnType<PushHttp['post']>>;
type ApnsTransport = NonNullable<ConstructorParameters<typeof ApnsPushProvider>[2]>;

const TOKEN_URI = 'https://oauth2.bench.invalid/token';
const WEB_PUSH_ORIGIN = 'https://webpush.bench.invalid';
const EMPTY = Buffer.alloc(0);

/** The push part of the app channel's configuration, with throwaway credentials of the right kinds. */
export function benchPushCredentials(): Pick<AppChannelConfig['push'], 'fcm' | 'apns' | 'webPush'> {
  const pem = (type: 'rsa' | 'ec') =>
    (type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
    ).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  // VAPID keys as web-push's generateVAPIDKeys gives them: raw P-256, base64url, 65 and 32 bytes.
  let vapid = createECDH('prime256v1');
  vapid.generateKeys();
  while (vapid.getPrivateKey().length !== 32) {
    vapid = createECDH('prime256v1');
    vapid.generateKeys();
  }
  return {
    fcm: {
      serviceAccount: {
        project_id: 'smis-bench',
        client_email: 'push@smis-bench.iam.gserviceaccount.com',
        private_key: pem('rsa'),
        token_uri: TOKEN_URI,
      },
      endpoint: 'https://fcm.bench.invalid',
    },
    apns: {
      teamId: 'BENCHTEAM1',
      keyId: 'BENCHKEY01',
      privateKey: pem('ec'),
      topic: 'be.smis.app',
      endpoint: 'https://apns.bench.invalid',
    },
    webPush: {
      subject: 'mailto:platform@smis.example',
      publicKey: vapid.getPublicKey().toString('base64url'),
      privateKey: vapid.getPrivateKey().toString('base64url'),
      allowInsecureEndpoints: false,
    },
  };
}

/** Web Push subscriptions of synthetic browsers: a pool of real P-256 keys, one endpoint per device. */
export class SubscriptionPool {
  private readonly secrets: SubscriptionSecrets[];

  constructor(size: number) {
    this.secrets = Array.from({ length: size }, () => generateSubscriptionSecrets());
  }

  endpoint(deviceId: string): string {
    return `${WEB_PUSH_ORIGIN}/wp/${deviceId}`;
  }

  /** The subscription JSON stored as the device's push token. */
  token(deviceId: string, i: number): string {
    const s = this.secrets[i % this.secrets.length];
    return JSON.stringify({ endpoint: this.endpoint(deviceId), keys: { p256dh: s.publicKey, auth: s.auth } });
  }

  /** The keys, for a database fill: p256dh and auth, one array each. */
  get keys(): { p256dh: string[]; auth: string[] } {
    return { p256dh: this.secrets.map((s) => s.publicKey), auth: this.secrets.map((s) => s.auth) };
  }

  /** Decrypts a Web Push body with the pool entry `i` (what the browser would do). */
  decrypt(body: Buffer, i: number): Buffer {
    return decryptWebPushPayload(body, this.secrets[i % this.secrets.length]);
  }
}

export interface NullTransportCounts {
  /** Requests handed to the transport, by provider. */
  readonly requests: Record<PushProviderKind, number>;
  /** Request body bytes (FCM JSON, APNs JSON, Web Push ciphertext). */
  readonly bodyBytes: number;
  /** FCM OAuth token requests answered. */
  readonly tokenRequests: number;
  /** The last Web Push request: endpoint and ciphertext. */
  readonly lastWebPush?: { endpoint: string; body: Buffer | string };
}

export interface NullPush {
  readonly providers: Record<PushProviderKind, PushProvider>;
  counts(): NullTransportCounts;
  /** Closes the providers and gives `fetch` back. */
  close(): Promise<void>;
}

/** The three real providers over the null transport; `fetch` is stubbed until close(). */
export function nullPushProviders(config: AppChannelConfig): NullPush {
  const { fcm, apns, webPush, timeoutMs } = config.push;
  if (!fcm || !apns || !webPush) throw new Error('the bench config needs FCM, APNs and Web Push credentials');
  const state = {
    requests: { fcm: 0, apns: 0, webpush: 0 } as Record<PushProviderKind, number>,
    bodyBytes: 0,
    tokenRequests: 0,
    lastWebPush: undefined as { endpoint: string; body: Buffer | string } | undefined,
  };
  const ok = (status: number): HttpAnswer => ({ status, header: () => undefined, body: EMPTY });
  const nullHttp = (kind: 'fcm' | 'webpush', answer: HttpAnswer): PushHttp => ({
    post: (url, _headers, body) => {
      state.requests[kind] += 1;
      state.bodyBytes += typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      if (kind === 'webpush') state.lastWebPush = { endpoint: url, body };
      return Promise.resolve(answer);
    },
    close: () => undefined,
  });
  const apnsOk = { status: 200 };
  const nullApns: ApnsTransport = (_path, _headers, body) => {
    state.requests.apns += 1;
    state.bodyBytes += Buffer.byteLength(body);
    return Promise.resolve(apnsOk);
  };

  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url !== TOKEN_URI) throw new Error(`the broadcast bench opens no connections (${url})`);
    state.tokenRequests += 1;
    return new Response(JSON.stringify({ access_token: 'bench-access-token', expires_in: 3600 }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;

  const providers: Record<PushProviderKind, PushProvider> = {
    fcm: new FcmPushProvider(fcm, timeoutMs, nullHttp('fcm', ok(200))),
    apns: new ApnsPushProvider(apns, timeoutMs, nullApns),
    webpush: new WebPushProvider(webPush, timeoutMs, nullHttp('webpush', ok(201))),
  };
  return {
    providers,
    counts: () => ({ ...state, requests: { ...state.requests } }),
    async close() {
      await Promise.all(Object.values(providers).map((p) => p.close?.()));
      globalThis.fetch = realFetch;
    },
  };
}
