import { Capacitor } from '@capacitor/core';
import { PushNotifications } from '@capacitor/push-notifications';
import type { PushTarget } from '../api/app-channel';
import { fromBase64 } from '../lib/bytes';

/**
 * Notifications: Capacitor's push plugin on Android/iOS (FCM/APNs token), a service worker with
 * Web Push in browsers. Never blocks the app: every failure becomes a state the UI explains and
 * the app channel is told about (`notificationsEnabled`), so senders see it in reachability.
 */
export type NotificationState = 'granted' | 'denied' | 'prompt' | 'unavailable';

export interface NotificationSetup {
  state: NotificationState;
  /** Where the app channel pushes; null when there is none (the live connection still works). */
  push: PushTarget | null;
  /** Why there is no push target, for the banner (i18n key). */
  reason?: 'unsupported' | 'denied' | 'no-push-service' | 'not-configured';
}

/** The platform hooks, injectable for tests. */
export interface PushEnvironment {
  isNative(): boolean;
  platform(): string;
  native: Pick<
    typeof PushNotifications,
    'checkPermissions' | 'requestPermissions' | 'register' | 'addListener'
  >;
  /** Browser APIs, or undefined where missing. */
  notification?: { permission: NotificationPermission; requestPermission(): Promise<NotificationPermission> };
  serviceWorker?: Pick<ServiceWorkerContainer, 'register'>;
  vapidPublicKey?: string;
  serviceWorkerUrl: string;
}

export function browserPushEnvironment(): PushEnvironment {
  const meta = globalThis.document
    ?.querySelector<HTMLMetaElement>('meta[name="smis-vapid-public-key"]')
    ?.content?.trim();
  const built = (import.meta as { env?: Record<string, string | undefined> }).env?.[
    'VITE_SMIS_VAPID_PUBLIC_KEY'
  ];
  return {
    isNative: () => Capacitor.isNativePlatform(),
    platform: () => Capacitor.getPlatform(),
    native: PushNotifications,
    notification: typeof Notification === 'undefined' ? undefined : Notification,
    serviceWorker:
      typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined'
        ? navigator.serviceWorker
        : undefined,
    vapidPublicKey: meta || built || undefined,
    serviceWorkerUrl: './sw.js',
  };
}

const isUnimplemented = (error: unknown): boolean =>
  (error as { code?: string })?.code === 'UNIMPLEMENTED' ||
  /not implemented/i.test(String((error as Error)?.message));

/**
 * Checks (and, when `ask`, requests) permission and returns the push target. `ask` should come
 * from a user gesture: browsers ignore or penalize permission prompts on page load.
 */
export async function setupNotifications(env: PushEnvironment, ask: boolean): Promise<NotificationSetup> {
  try {
    let status = await env.native.checkPermissions();
    if (status.receive === 'prompt' && ask) status = await env.native.requestPermissions();
    if (status.receive === 'denied') return { state: 'denied', push: null, reason: 'denied' };
    if (status.receive !== 'granted') return { state: 'prompt', push: null };
    const token = await new Promise<string>((resolve, reject) => {
      void env.native.addListener('registration', (t) => resolve(t.value));
      void env.native.addListener('registrationError', (e) => reject(new Error(e.error)));
      env.native.register().catch(reject);
    });
    return { state: 'granted', push: { provider: env.platform() === 'ios' ? 'apns' : 'fcm', token } };
  } catch (error) {
    if (env.isNative() && !isUnimplemented(error))
      return { state: 'unavailable', push: null, reason: 'no-push-service' };
    // The web: UNIMPLEMENTED from the plugin; fall back to a service worker with Web Push.
  }
  return setupWebPush(env, ask);
}

async function setupWebPush(env: PushEnvironment, ask: boolean): Promise<NotificationSetup> {
  if (!env.notification || !env.serviceWorker)
    return { state: 'unavailable', push: null, reason: 'unsupported' };
  let permission = env.notification.permission;
  if (permission === 'default' && ask) permission = await env.notification.requestPermission();
  if (permission === 'denied') return { state: 'denied', push: null, reason: 'denied' };
  if (permission !== 'granted') return { state: 'prompt', push: null };
  if (!env.vapidPublicKey) return { state: 'granted', push: null, reason: 'not-configured' };
  try {
    const registration = await env.serviceWorker.register(env.serviceWorkerUrl);
    const existing = await registration.pushManager.getSubscription();
    const subscription =
      existing ??
      (await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: fromBase64(env.vapidPublicKey) as Uint8Array<ArrayBuffer>,
      }));
    return { state: 'granted', push: { provider: 'webpush', subscription: subscription.toJSON() } };
  } catch {
    // Headless browsers and some privacy modes have no push service: notifications are "on" but
    // nothing can be pushed; the live connection and inbox sync still bring messages.
    return { state: 'granted', push: null, reason: 'no-push-service' };
  }
}

/** What the app channel is told: notifications count as enabled only with a push target. */
export function notificationsEnabled(setup: NotificationSetup): boolean {
  return setup.state === 'granted' && setup.push !== null;
}
