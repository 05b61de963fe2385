import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  /** A response header (lower-case name), or undefined. */
  header(name: string): string | undefined;
  body: Buffer;
}

/** Answers longer than this are cut off: a push endpoint answers a few hundred bytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * How the FCM and Web Push providers send one request: a PushHttpClient unless a stand-in is
 * given to their constructor (the broadcast bench's null transport).
 */
export interface PushHttp {
  post(
    url: string,
    headers: Readonly<Record<string, string | number>>,
    body: string | Buffer,
  ): Promise<HttpAnswer>;
  close(): void;
}

/**
 * POSTs over node:http(s) with keep-alive connections, for the per-message push requests (FCM,
 * Web Push). Node 20's `fetch` spends several times the CPU per request (web streams, abort
 * signals), which made it the app channel's largest cost per job (ADR 601). Each call has a total
 * budget of `timeoutMs`; running out fails it with a `TimeoutError`, as `AbortSignal.timeout` did.
 */
export class PushHttpClient implements PushHttp {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };

  constructor(private readonly timeoutMs: number) {}

  post(
    url: string,
    headers: Readonly<Record<string, string | number>>,
    body: string | Buffer,
  ): Promise<HttpAnswer> {
    const target = new URL(url);
    const protocol = target.protocol;
    if (protocol !== 'http:' && protocol !== 'https:')
      return Promise.reject(new RangeError(`not an http(s) URL: ${protocol}`));
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const outgoing: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers))
      if (name.toLowerCase() !== 'content-length') outgoing[name] = String(value);
    outgoing['content-length'] = String(payload.length);
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, answer?: HttpAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(answer as HttpAnswer);
      };
      const request = (protocol === 'https:' ? https : http).request(
        target,
        {
          method: 'POST',
          agent: this.agents[protocol],
          headers: outgoing,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
          });
          response.on('error', (error) => finish(error));
          response.on('end', () =>
            finish(undefined, {
              status: response.statusCode ?? 0,
              header: (name) => {
                const value = response.headers[name.toLowerCase()];
                return Array.isArray(value) ? value.join(', ') : value;
              },
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      const timer = setTimeout(() => {
        const error = new Error(`no answer within ${this.timeoutMs} ms`);
        error.name = 'TimeoutError';
        request.destroy(error);
        finish(error);
      }, this.timeoutMs);
      request.on('error', (error) => finish(error));
      request.end(payload);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}
