import type { Priority } from '@smis/contracts';

export type PushProviderKind = 'fcm' | 'apns' | 'webpush';
export const PUSH_PROVIDER_KINDS: readonly PushProviderKind[] = ['fcm', 'apns', 'webpush'];

/** What a push says: an opaque message id, never the sender or the content. */
export interface PushNotification {
  messageId: string;
  priority: Priority;
  /** How long the provider may hold it (seconds, ≥ 0). */
  ttlSeconds: number;
}

export type PushOutcome =
  | { kind: 'sent' }
  /** The token or subscription no longer exists: forget it. */
  | { kind: 'gone'; reason: string }
  /** Throttled (429) or a transient fault: try again after a while. */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** Will not work as it is (bad request, bad credentials). */
  | { kind: 'failed'; reason: string };

/** One push provider behind one interface. `token` is the FCM/APNs token or the Web Push subscription JSON. */
export interface PushProvider {
  readonly kind: PushProviderKind;
  send(token: string, notification: PushNotification): Promise<PushOutcome>;
  close?(): Promise<void>;
}

/** The Retry-After header (seconds or an HTTP date) in milliseconds. */
export function retryAfterMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * A provider with topics (FCM): one request reaches every device subscribed to the topic, so a
 * broadcast to the country or a region costs one push instead of one per device (ADR 1100).
 */
export interface TopicPushProvider extends PushProvider {
  sendToTopic(topic: string, notification: PushNotification): Promise<PushOutcome>;
  /** Answers the tokens the provider refused. */
  subscribe(topic: string, tokens: readonly string[]): Promise<string[]>;
  unsubscribe(topic: string, tokens: readonly string[]): Promise<string[]>;
}

export function supportsTopics(provider: PushProvider | undefined): provider is TopicPushProvider {
  const p = provider as Partial<TopicPushProvider> | undefined;
  return typeof p?.sendToTopic === 'function' && typeof p.subscribe === 'function';
}
