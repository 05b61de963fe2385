/**
 * Synthetic citizens with one app installation each: an enrolment credential signed with the
 * keyring's identity key (what identity issues after an SMS code), a device registered through
 * the app channel's real HTTP API with an FCM token, and — for those that acknowledge — a loop
 * that answers every push the FCM emulator receives with the device-signed
 * `POST /v1/app/messages/:id/delivered`.
 */
import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import { signDeviceRequest } from '@smis/app-channel';
import { createSodiumEnvelopeCrypto, type DeviceKeyPair } from '@smis/crypto';
import type { PlatformKeyring } from '@smis/keyring';
import { createPseudonymizer, createTranscryptor } from '@smis/pseudonym';
import type { FcmEmulator, ReceivedPush } from '@smis/push-emulators';
import { calculateJwkThumbprint, importJWK, SignJWT, type JWK } from 'jose';

export interface SyntheticDevice {
  readonly identifier: string;
  readonly deviceId: string;
  readonly fcmToken: string;
  /** The device's X25519 key pair (envelopes are sealed to its public key). */
  readonly encryption: DeviceKeyPair;
  sign(method: string, path: string, body?: string): Record<string, string>;
}

async function credentialSigner(keyring: PlatformKeyring) {
  const priv = keyring.identity.credentialPrivateKey as JWK;
  const kid = await calculateJwkThumbprint({ kty: priv.kty as string, crv: priv.crv, x: priv.x });
  const key = await importJWK({ ...priv, alg: 'EdDSA' }, 'EdDSA');
  const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  return async (identifier: string): Promise<string> => {
    const pp = pseudonymizer.polymorphicPseudonym(identifier);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      app: [transcryptor.transcrypt(pseudonymizer.rerandomize(pp), 'app')],
      pp: [pseudonymizer.rerandomize(pp)],
      methods: ['sms_otp'],
    })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'smis-enrolment+jwt' })
      .setIssuer('smis-identity')
      .setAudience('smis-app-channel')
      .setSubject(randomBytes(12).toString('base64url'))
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(key);
  };
}

/** A Belgian mobile number, unique within a run with high probability. */
export function randomPhone(): string {
  return `+32470${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

/**
 * Registers `count` citizens with one device each (FCM, notifications on), `concurrency` at a
 * time. Identifiers are `tel:` numbers.
 */
export async function registerDevices(
  platformUrl: string,
  keyring: PlatformKeyring,
  count: number,
  options: { concurrency?: number; phones?: readonly string[] } = {},
): Promise<SyntheticDevice[]> {
  const sign = await credentialSigner(keyring);
  const crypto = createSodiumEnvelopeCrypto();
  const used = new Set<string>();
  const phones =
    options.phones ??
    Array.from({ length: count }, () => {
      let phone = randomPhone();
      while (used.has(phone)) phone = randomPhone();
      used.add(phone);
      return phone;
    });
  const devices: SyntheticDevice[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const identifier = `tel:${phones[i]}`;
      const pair = generateKeyPairSync('ed25519');
      const jwk = pair.privateKey.export({ format: 'jwk' });
      const signing = {
        seed: Buffer.from(jwk.d as string, 'base64url'),
        publicKey: Buffer.from(jwk.x as string, 'base64url'),
      };
      const deviceId = randomBytes(16).toString('base64url');
      const keys = crypto.generateDeviceKeyPair();
      const fcmToken = `bench-${randomBytes(12).toString('hex')}`;
      const body = JSON.stringify({
        credential: await sign(identifier),
        encryptionPublicKey: Buffer.from(keys.publicKey).toString('base64'),
        signingPublicKey: signing.publicKey.toString('base64'),
        push: { provider: 'fcm', token: fcmToken },
        notificationsEnabled: true,
        locale: 'nl-BE',
        appVersion: '1.0.0',
      });
      const device: SyntheticDevice = {
        identifier,
        deviceId,
        fcmToken,
        encryption: keys,
        sign: (method, path, text) => signDeviceRequest(signing, { method, path, deviceId, body: text }),
      };
      const response = await fetch(`${platformUrl}/v1/app/devices`, {
        method: 'POST',
        headers: { ...device.sign('POST', '/v1/app/devices', body), 'content-type': 'application/json' },
        body,
      });
      if (response.status !== 201)
        throw new Error(`device registration answered ${response.status}: ${await response.text()}`);
      devices.push(device);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, lane));
  return devices;
}

/** The message id of an FCM push from the app channel (`message.data.mid`). */
export function pushedMessageId(push: ReceivedPush): string | undefined {
  try {
    const body = JSON.parse(push.body.toString('utf8')) as { message?: { data?: { mid?: string } } };
    return body.message?.data?.mid;
  } catch {
    return undefined;
  }
}

/** POST without a body; resolves with the status code once the response is consumed. */
function postEmpty(agent: http.Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-length': '0' },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

const ACK_ATTEMPTS = 4;

export interface PushTap {
  /** Pushes accepted by the emulator. */
  readonly pushes: number;
  readonly acks: number;
  /** Acknowledgement attempts that failed (each is retried, up to ACK_ATTEMPTS). */
  readonly ackErrors: number;
  /** Messages whose acknowledgement failed every attempt. */
  readonly ackFailures: number;
  readonly lastAckError?: string;
  stop(): void;
}

/**
 * Every accepted FCM push calls `onPush`; pushes to a device in `acknowledging` are answered with
 * the device-signed DELIVERED acknowledgement. The emulator's own log is not kept (memory).
 */
/** Each device talks to one platform instance (of several: spread by its push token). */
function ackUrl(urls: readonly string[], token: string): string {
  if (urls.length === 1) return urls[0];
  let hash = 0;
  for (let i = 0; i < token.length; i++) hash = (hash * 31 + token.charCodeAt(i)) >>> 0;
  return urls[hash % urls.length];
}

export function tapPushes(
  fcm: FcmEmulator,
  platformUrl: string | readonly string[],
  acknowledging: ReadonlyMap<string, SyntheticDevice>,
  onPush?: (messageId: string, push: ReceivedPush) => void,
): PushTap {
  const state = {
    pushes: 0,
    acks: 0,
    ackErrors: 0,
    ackFailures: 0,
    lastAckError: undefined as string | undefined,
  };
  let stopped = false;
  const urls = typeof platformUrl === 'string' ? [platformUrl] : platformUrl;
  const ackAgent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const original = fcm.record.bind(fcm);
  fcm.record = (push: ReceivedPush) => {
    if (stopped) return original(push);
    if (push.status < 200 || push.status >= 300) return;
    const messageId = pushedMessageId(push);
    if (!messageId) return;
    state.pushes++;
    onPush?.(messageId, push);
    const device = acknowledging.get(push.token);
    if (!device) return;
    const path = `/v1/app/messages/${messageId}/delivered`;
    const url = ackUrl(urls, push.token);
    // node:http with kept-alive connections: fetch costs ~1 ms of CPU per request here, and the
    // synthetic devices share the process with the platform being measured.
    // A device retries its acknowledgement as the app does (a fresh signature each time).
    const acknowledge = async (): Promise<void> => {
      let last = '';
      for (let attempt = 0; attempt < ACK_ATTEMPTS && !stopped; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        try {
          const status = await postEmpty(ackAgent, `${url}${path}`, device.sign('POST', path));
          if (status === 204) {
            state.acks++;
            return;
          }
          last = `HTTP ${status}`;
        } catch (error) {
          last = (error as Error).message;
        }
        state.ackErrors++;
        state.lastAckError = last;
      }
      state.ackFailures++;
    };
    void acknowledge();
  };
  return {
    get pushes() {
      return state.pushes;
    },
    get acks() {
      return state.acks;
    },
    get ackErrors() {
      return state.ackErrors;
    },
    get ackFailures() {
      return state.ackFailures;
    },
    get lastAckError() {
      return state.lastAckError;
    },
    stop() {
      stopped = true;
      fcm.record = original;
      ackAgent.destroy();
    },
  };
}
