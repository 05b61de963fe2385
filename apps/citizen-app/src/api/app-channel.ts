import type { DeviceKeys } from '../services/device-keys';
import { signDeviceRequest } from '../services/request-signing';
import type { HttpClient } from './http';

/** The app channel (`/v1/app`, libs/app-channel app.controller.ts): every call but the sender directory is signed. */

export type PushTarget =
  { provider: 'fcm' | 'apns'; token: string } | { provider: 'webpush'; subscription: unknown };

export interface RegisterDeviceBody {
  credential: string;
  encryptionPublicKey: string;
  signingPublicKey: string;
  push?: PushTarget | null;
  notificationsEnabled?: boolean;
  locale?: string;
  appVersion?: string;
}

export interface DeviceUpdate {
  push?: PushTarget | null;
  notificationsEnabled?: boolean;
  locale?: string;
  appVersion?: string;
}

export interface InboxItem {
  messageId: string;
  senderId: string;
  priority: 'LOW' | 'NORMAL' | 'URGENT';
  receivedAt: string;
  expiresAt: string;
  deliveredAt: string | null;
  readAt: string | null;
}

export interface InboxPage {
  items: InboxItem[];
  cursor: string;
  hasMore: boolean;
}

export interface MessageEnvelope extends InboxItem {
  /** The sealed envelope, base64. */
  envelope: string;
}

export type Channel = 'APP' | 'SMS' | 'EMAIL';

export interface Preferences {
  channelOrder: Channel[];
  mutedSenders: string[];
  mutedCategories: string[];
  alertRegions: string[];
  updatedAt: string | null;
}

export interface SenderDirectoryEntry {
  senderId: string;
  displayName: Record<string, string>;
  logo: string | null;
  signingKeys: { keyId: string; publicKey: string; notAfter: string | null }[];
}

export interface LiveEvent {
  type: string;
  id?: string;
  data: string;
}

export interface AppChannelApi {
  register(body: RegisterDeviceBody): Promise<{ deviceId: string; keyId: string; identities: number }>;
  updateDevice(update: DeviceUpdate): Promise<void>;
  inbox(after?: string, limit?: number): Promise<InboxPage>;
  message(messageId: string): Promise<MessageEnvelope>;
  delivered(messageId: string): Promise<void>;
  read(messageId: string): Promise<void>;
  remove(messageId: string): Promise<void>;
  preferences(): Promise<Preferences>;
  setPreferences(changes: Partial<Omit<Preferences, 'updatedAt'>>): Promise<Preferences>;
  senders(): Promise<SenderDirectoryEntry[]>;
  /** Opens the live event stream (SSE over a signed fetch: EventSource cannot send headers). */
  events(signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

const PREFIX = '/v1/app';

export function appChannelApi(
  http: HttpClient,
  keys: () => DeviceKeys,
  now: () => number = Date.now,
): AppChannelApi {
  const encoder = new TextEncoder();
  async function signed<T>(method: string, path: string, body?: unknown): Promise<T> {
    const k = keys();
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = await signDeviceRequest(k.signing.secretKey, {
      method,
      path: PREFIX + path,
      deviceId: k.deviceId,
      body: text === undefined ? new Uint8Array() : encoder.encode(text),
      timestamp: now(),
    });
    return http.request<T>(method, PREFIX + path, { body: text, headers });
  }
  const id = (messageId: string): string => encodeURIComponent(messageId);
  return {
    register: (body) => signed('POST', '/devices', body),
    updateDevice: (update) => signed('PUT', '/devices/current', update),
    inbox: (after, limit) => {
      const query = new URLSearchParams();
      if (after) query.set('after', after);
      if (limit) query.set('limit', String(limit));
      const q = query.toString();
      return signed('GET', `/inbox${q ? `?${q}` : ''}`);
    },
    message: (messageId) => signed('GET', `/messages/${id(messageId)}`),
    delivered: (messageId) => signed('POST', `/messages/${id(messageId)}/delivered`),
    read: (messageId) => signed('POST', `/messages/${id(messageId)}/read`),
    remove: (messageId) => signed('DELETE', `/messages/${id(messageId)}`),
    preferences: () => signed('GET', '/preferences'),
    setPreferences: (changes) => signed('PUT', '/preferences', changes),
    senders: () => http.request('GET', `${PREFIX}/senders`),
    async events(signal) {
      const k = keys();
      const headers = await signDeviceRequest(k.signing.secretKey, {
        method: 'GET',
        path: `${PREFIX}/events`,
        deviceId: k.deviceId,
        body: new Uint8Array(),
        timestamp: now(),
      });
      const response = await http.raw('GET', `${PREFIX}/events`, {
        headers: { ...headers, accept: 'text/event-stream' },
        signal,
      });
      if (!response.body) throw new Error('The live event stream has no body');
      return response.body;
    },
  };
}
