import { describe, expect, it, vi } from 'vitest';
import { notificationsEnabled, setupNotifications, type PushEnvironment } from './push';

const unimplemented = () =>
  Promise.reject(Object.assign(new Error('not implemented on web'), { code: 'UNIMPLEMENTED' }));

function webEnv(overrides: Partial<PushEnvironment> = {}): PushEnvironment {
  return {
    isNative: () => false,
    platform: () => 'web',
    native: {
      checkPermissions: unimplemented,
      requestPermissions: unimplemented,
      register: unimplemented,
      addListener: vi.fn() as never,
    },
    notification: { permission: 'granted', requestPermission: async () => 'granted' },
    serviceWorker: {
      register: async () =>
        ({
          pushManager: {
            getSubscription: async () => null,
            subscribe: async () => ({
              toJSON: () => ({ endpoint: 'https://push.test/1', keys: { p256dh: 'a', auth: 'b' } }),
            }),
          },
        }) as unknown as ServiceWorkerRegistration,
    },
    vapidPublicKey: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U',
    serviceWorkerUrl: './sw.js',
    ...overrides,
  };
}

describe('setupNotifications', () => {
  it('falls back from the Capacitor plugin (UNIMPLEMENTED on the web) to Web Push', async () => {
    const setup = await setupNotifications(webEnv(), false);
    expect(setup).toEqual({
      state: 'granted',
      push: {
        provider: 'webpush',
        subscription: { endpoint: 'https://push.test/1', keys: { p256dh: 'a', auth: 'b' } },
      },
    });
    expect(notificationsEnabled(setup)).toBe(true);
  });

  it('reports a browser without a push service (headless Chromium) as granted but not enabled', async () => {
    const env = webEnv({
      serviceWorker: {
        register: async () =>
          ({
            pushManager: {
              getSubscription: async () => null,
              subscribe: () => Promise.reject(new DOMException('push service not available', 'AbortError')),
            },
          }) as unknown as ServiceWorkerRegistration,
      },
    });
    const setup = await setupNotifications(env, true);
    expect(setup).toEqual({ state: 'granted', push: null, reason: 'no-push-service' });
    expect(notificationsEnabled(setup)).toBe(false);
  });

  it('asks only when told to, and reports a refusal', async () => {
    const requestPermission = vi.fn(async () => 'denied' as NotificationPermission);
    const env = webEnv({ notification: { permission: 'default', requestPermission } });
    expect(await setupNotifications(env, false)).toEqual({ state: 'prompt', push: null });
    expect(requestPermission).not.toHaveBeenCalled();
    expect(await setupNotifications(env, true)).toEqual({ state: 'denied', push: null, reason: 'denied' });
  });

  it('says unavailable where there is no Notification API or service worker', async () => {
    expect(await setupNotifications(webEnv({ serviceWorker: undefined }), true)).toEqual({
      state: 'unavailable',
      push: null,
      reason: 'unsupported',
    });
  });

  it('uses the native token on Android', async () => {
    const listeners: Record<string, (v: { value: string }) => void> = {};
    const env = webEnv({
      isNative: () => true,
      platform: () => 'android',
      native: {
        checkPermissions: async () => ({ receive: 'prompt' }),
        requestPermissions: async () => ({ receive: 'granted' }),
        register: async () => listeners['registration']({ value: 'fcm-token-1' }),
        addListener: ((event: string, fn: (v: { value: string }) => void) => {
          listeners[event] = fn;
          return Promise.resolve({ remove: async () => undefined });
        }) as never,
      },
    });
    expect(await setupNotifications(env, true)).toEqual({
      state: 'granted',
      push: { provider: 'fcm', token: 'fcm-token-1' },
    });
  });
});
