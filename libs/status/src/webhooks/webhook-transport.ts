import { describeError } from '@smis/messaging';

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Read up to this many characters of the answer (test deliveries); otherwise it is discarded. */
  readBodyChars?: number;
}

export interface WebhookResponse {
  /** The HTTP status, or null when no answer came (refused, timed out, TLS). */
  statusCode: number | null;
  /** Why the attempt failed, without the answer's content; null on a 2xx. */
  error: string | null;
  durationMs: number;
  body?: string;
}

/** Posts one webhook request. A class so tests and other transports (a proxy) can replace it. */
export abstract class WebhookTransport {
  abstract post(request: WebhookRequest): Promise<WebhookResponse>;
}

/** Node's fetch: no redirects followed (a 3xx is a failure), one timeout for the whole exchange. */
export class FetchWebhookTransport extends WebhookTransport {
  override async post(request: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        body: request.body,
        headers: request.headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      const body = request.readBodyChars ? await readPrefix(response, request.readBodyChars) : undefined;
      if (!request.readBodyChars) await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      return {
        statusCode: response.status,
        error: ok ? null : `HTTP ${response.status}`,
        durationMs: elapsed(),
        body,
      };
    } catch (error) {
      return { statusCode: null, error: networkError(error, request.timeoutMs), durationMs: elapsed() };
    }
  }
}

async function readPrefix(response: Response, chars: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < chars) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.slice(0, chars);
}

function networkError(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return describeError(error);
}
