/** Which protocol an emulator speaks. */
export type PushEmulatorKind = 'fcm' | 'apns' | 'webpush';

/** One push request an emulator received, whatever it answered. */
export interface ReceivedPush {
  readonly provider: PushEmulatorKind;
  /** FCM registration token, APNs device token, or Web Push subscription id. */
  readonly token: string;
  /**
   * FCM topic messages: the topic name. The emulator records the topic message itself (token '')
   * and then one delivery per token subscribed to the topic at that moment (token set).
   */
  readonly topic?: string;
  /** The HTTP status the emulator answered. */
  readonly status: number;
  /** The provider's error reason (FCM errorCode, APNs reason), when it refused. */
  readonly reason?: string;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body as sent (for Web Push: the aes128gcm ciphertext). */
  readonly body: Buffer;
  /** When it arrived (epoch milliseconds). */
  readonly receivedAt: number;
}

interface Throttle {
  remaining: number;
  retryAfterSeconds: number;
}

/**
 * Test controls every emulator shares: tokens marked gone, throttling, and the record of what was
 * received, which tests wait on without polling.
 */
export class EmulatorControls {
  private readonly gone = new Set<string>();
  private readonly throttles = new Map<string, Throttle>();
  private readonly log: ReceivedPush[] = [];
  private readonly listeners = new Set<(push: ReceivedPush) => void>();

  /** Every push received so far, in order of arrival. */
  get received(): readonly ReceivedPush[] {
    return [...this.log];
  }

  /** Pushes that were accepted (2xx). */
  get accepted(): readonly ReceivedPush[] {
    return this.log.filter((p) => p.status >= 200 && p.status < 300);
  }

  /** The token no longer exists (app uninstalled): the provider answers 404/410 from now on. */
  markGone(token: string): void {
    this.gone.add(token);
  }

  restore(token: string): void {
    this.gone.delete(token);
  }

  isGone(token: string): boolean {
    return this.gone.has(token);
  }

  /** The next `times` pushes to `token` ('*': any token) are refused with 429 and Retry-After. */
  throttle(token: string, times: number, retryAfterSeconds = 0): void {
    this.throttles.set(token, { remaining: times, retryAfterSeconds });
  }

  /** Consumes one throttled answer for `token`, if any is pending. */
  takeThrottle(token: string): Throttle | undefined {
    for (const key of [token, '*']) {
      const throttle = this.throttles.get(key);
      if (throttle && throttle.remaining > 0) {
        throttle.remaining -= 1;
        if (throttle.remaining === 0) this.throttles.delete(key);
        return throttle;
      }
    }
    return undefined;
  }

  record(push: ReceivedPush): void {
    this.log.push(push);
    for (const listener of [...this.listeners]) listener(push);
  }

  /** Forgets received pushes, gone tokens and throttles. */
  reset(): void {
    this.log.length = 0;
    this.gone.clear();
    this.throttles.clear();
  }

  /**
   * Resolves with the first received push (past or future) matching `predicate`; rejects at the
   * timeout naming what was awaited.
   */
  waitFor(
    predicate: (push: ReceivedPush) => boolean,
    what = 'a push',
    timeoutMs = 15_000,
  ): Promise<ReceivedPush> {
    const found = this.log.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (push: ReceivedPush): void => {
        if (!predicate(push)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(push);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }
}

export function lowerCaseHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
