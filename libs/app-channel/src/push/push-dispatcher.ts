import type { PushConfig } from '../config';
import { ApnsPushProvider } from './apns-provider';
import { FcmPushProvider } from './fcm-provider';
import type { PushNotification, PushOutcome, PushProvider, PushProviderKind } from './push-provider';
import { WebPushProvider } from './web-push-provider';

/** The configured providers, by kind; overrides replace them. */
export function createPushProviders(
  config: PushConfig,
  overrides: Partial<Record<PushProviderKind, PushProvider>> = {},
): Partial<Record<PushProviderKind, PushProvider>> {
  return {
    ...(config.fcm ? { fcm: new FcmPushProvider(config.fcm, config.timeoutMs) } : {}),
    ...(config.apns ? { apns: new ApnsPushProvider(config.apns, config.timeoutMs) } : {}),
    ...(config.webPush ? { webpush: new WebPushProvider(config.webPush, config.timeoutMs) } : {}),
    ...overrides,
  };
}

/**
 * Sends one push with retries: throttled (429) and transient failures are tried again, up to
 * `maxAttempts`, after the provider's Retry-After or an exponential backoff (with jitter), never
 * longer than `maxBackoffMs`.
 */
export async function sendWithRetry(
  provider: PushProvider,
  token: string,
  notification: PushNotification,
  config: Pick<PushConfig, 'maxAttempts' | 'initialBackoffMs' | 'maxBackoffMs'>,
  random: () => number = Math.random,
): Promise<PushOutcome & { attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    let outcome: PushOutcome;
    try {
      outcome = await provider.send(token, notification);
    } catch (error) {
      outcome = { kind: 'retry', reason: `${provider.kind}.error: ${(error as Error).message}` };
    }
    if (outcome.kind !== 'retry' || attempt >= config.maxAttempts) {
      return outcome.kind === 'retry'
        ? { kind: 'failed', reason: outcome.reason, attempts: attempt }
        : { ...outcome, attempts: attempt };
    }
    const backoff = config.initialBackoffMs * 2 ** (attempt - 1) * (0.8 + 0.4 * random());
    const delay = Math.min(config.maxBackoffMs, Math.max(outcome.retryAfterMs ?? 0, backoff));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
