/**
 * What a simulated provider does with the next submissions. Tests change it at any time with
 * `configure(...)`; every field keeps its value until changed.
 */
export interface ProviderBehaviour {
  /**
   * `accept`: take the message and answer with a provider message id; `fail`: a temporary
   * failure (HTTP 503 / SMPP ESME_RSYSERR), nothing accepted; `reject`: a permanent refusal
   * (HTTP 400 / SMPP ESME_RINVDSTADR), nothing accepted.
   */
  mode: 'accept' | 'fail' | 'reject';
  /** Delay before answering a submission, ms (default 0). */
  submitDelayMs: number;
  /** Delay between accepting and sending the delivery report, ms (default 0). */
  reportDelayMs: number;
  /** Which delivery report follows an accepted message (default `delivered`; `none`: no report). */
  report: 'delivered' | 'undeliverable' | 'expired' | 'none';
  /** Operator error code carried by an `undeliverable` / `expired` report (default `001`). */
  reportErrorCode: string;
}

export const DEFAULT_BEHAVIOUR: ProviderBehaviour = Object.freeze({
  mode: 'accept',
  submitDelayMs: 0,
  reportDelayMs: 0,
  report: 'delivered',
  reportErrorCode: '001',
});

/** One message a simulator accepted (or refused), as it arrived. */
export interface ReceivedSms {
  /** The simulator's message id; undefined when the submission was refused. */
  providerMessageId?: string;
  /** The client's reference (HTTP `clientReference`, SMPP vendor TLV), when given. */
  clientReference?: string;
  from: string;
  to: string;
  /** The decoded text. */
  text: string;
  /** `GSM7` or `UCS2` (as submitted). */
  encoding: 'GSM7' | 'UCS2';
  outcome: 'accepted' | 'failed' | 'rejected';
  receivedAt: number;
}

/** Resolves when `ready()` holds after some change; rejects at the timeout naming what was awaited. */
export class ChangeWaiter {
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  until<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = probe();
      if (first !== undefined) return resolve(first);
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const listener = (): void => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(value);
      };
      this.listeners.add(listener);
    });
  }
}

export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
