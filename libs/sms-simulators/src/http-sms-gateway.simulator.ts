import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ChangeWaiter,
  DEFAULT_BEHAVIOUR,
  delay,
  type ProviderBehaviour,
  type ReceivedSms,
} from './behaviour';

/**
 * A local HTTP SMS gateway in the style Belgian operators and aggregators offer:
 *
 * - `POST /v1/sms` (HTTP Basic auth), JSON `{ from, to, text, encoding?, clientReference,
 *   deliveryReportUrl? }` → `202 { messageId, status: "ACCEPTED" }`; `400 { error }` for a
 *   permanent refusal, `503 { error }` for a temporary one, `401` for bad credentials, `409
 *   { error: "duplicate-reference", messageId }` for a client reference it already accepted.
 * - `GET /v1/sms?clientReference=<ref>` → `200 { messageId, status }` or `404`: lets a client that
 *   lost an answer find out whether its message was taken.
 * - Delivery reports: `POST <deliveryReportUrl or callbackUrl>` with `Authorization: Bearer
 *   <callbackToken>` and JSON `{ messageId, clientReference, status: "DELIVERED" |
 *   "UNDELIVERABLE" | "EXPIRED", errorCode, doneAt }`.
 * - Simulator controls (no auth, local use only): `GET /_simulator/messages[?to=]`,
 *   `POST /_simulator/behaviour` (a partial ProviderBehaviour), `POST /_simulator/reset`.
 *
 * Tests see every authenticated submission in `submissionAttempts` (a resubmission answered 409
 * included, which `received` leaves out) and every lookup in `lookups`.
 */
export interface HttpSmsGatewaySimulatorOptions {
  /** Port to listen on (default 0: a free one). */
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  /** Where reports go when a submission names no `deliveryReportUrl`. */
  callbackUrl?: string;
  /** Bearer token the simulator presents on delivery reports. */
  callbackToken?: string;
  behaviour?: Partial<ProviderBehaviour>;
}

export interface DeliveryReportBody {
  messageId: string;
  clientReference: string | null;
  status: 'DELIVERED' | 'UNDELIVERABLE' | 'EXPIRED';
  errorCode: string | null;
  doneAt: string;
}

/** One authenticated, well-formed `POST /v1/sms`, whatever became of it. */
export interface SubmissionAttempt {
  clientReference?: string;
  to: string;
  text: string;
  /**
   * As in `received`, or `duplicate`: the client reference was already taken, answered 409 with
   * the original message id and not sent again (`providerMessageId` is the original's).
   */
  outcome: ReceivedSms['outcome'] | 'duplicate';
  providerMessageId?: string;
  at: number;
}

/** One authenticated `GET /v1/sms?clientReference=`. */
export interface ReferenceLookup {
  clientReference: string;
  found: boolean;
  at: number;
}

export interface HttpSmsGatewaySimulator {
  readonly url: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** Every submission, accepted or not, in arrival order. */
  readonly received: readonly ReceivedSms[];
  /** Accepted submissions only. */
  accepted(): ReceivedSms[];
  /** Every submission attempt in arrival order, resubmissions of a taken reference included. */
  readonly submissionAttempts: readonly SubmissionAttempt[];
  /** The attempts refused with 409 because their client reference was already taken. */
  duplicateSubmissions(): SubmissionAttempt[];
  /** Lookups by client reference, in arrival order. */
  readonly lookups: readonly ReferenceLookup[];
  configure(behaviour: Partial<ProviderBehaviour>): void;
  readonly behaviour: Readonly<ProviderBehaviour>;
  /** Changes where reports go (e.g. once the channel's HTTP server has its port). */
  setCallback(url: string, token?: string): void;
  /** Resolves with the first received message matching `predicate`. */
  waitFor(predicate: (sms: ReceivedSms) => boolean, timeoutMs?: number): Promise<ReceivedSms>;
  /** Sends a report now, for an accepted message (for tests of late or odd reports). */
  sendReport(
    providerMessageId: string,
    status: DeliveryReportBody['status'],
    errorCode?: string,
  ): Promise<number>;
  /** Reports that could not be delivered to the callback (status code or error), for diagnosis. */
  readonly reportFailures: readonly string[];
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startHttpSmsGatewaySimulator(
  options: HttpSmsGatewaySimulatorOptions = {},
): Promise<HttpSmsGatewaySimulator> {
  const username = options.username ?? 'smis';
  const password = options.password ?? 'simulator';
  let callbackUrl = options.callbackUrl;
  let callbackToken = options.callbackToken;
  let behaviour: ProviderBehaviour = { ...DEFAULT_BEHAVIOUR, ...options.behaviour };
  const received: ReceivedSms[] = [];
  const submissionAttempts: SubmissionAttempt[] = [];
  const lookups: ReferenceLookup[] = [];
  const reportFailures: string[] = [];
  const byReference = new Map<string, ReceivedSms>();
  const reportUrls = new Map<string, string | undefined>();
  const changes = new ChangeWaiter();
  const timers = new Set<NodeJS.Timeout>();
  const expectedAuth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  async function postReport(sms: ReceivedSms, body: DeliveryReportBody): Promise<number> {
    const target = reportUrls.get(sms.providerMessageId ?? '') ?? callbackUrl;
    if (!target) {
      reportFailures.push(`${body.messageId}: no callback URL`);
      return 0;
    }
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(callbackToken ? { authorization: `Bearer ${callbackToken}` } : {}),
        },
        body: JSON.stringify(body),
      });
      if (!response.ok) reportFailures.push(`${body.messageId}: HTTP ${response.status}`);
      return response.status;
    } catch (error) {
      reportFailures.push(`${body.messageId}: ${(error as Error).message}`);
      return 0;
    }
  }

  function reportBody(sms: ReceivedSms, status: DeliveryReportBody['status'], errorCode?: string) {
    return {
      messageId: sms.providerMessageId as string,
      clientReference: sms.clientReference ?? null,
      status,
      errorCode: status === 'DELIVERED' ? null : (errorCode ?? behaviour.reportErrorCode),
      doneAt: new Date().toISOString(),
    };
  }

  function scheduleReport(sms: ReceivedSms): void {
    const { report, reportDelayMs } = behaviour;
    if (report === 'none') return;
    const status = report === 'delivered' ? 'DELIVERED' : report === 'expired' ? 'EXPIRED' : 'UNDELIVERABLE';
    const timer = setTimeout(() => {
      timers.delete(timer);
      void postReport(sms, reportBody(sms, status));
    }, reportDelayMs);
    timers.add(timer);
  }

  async function submit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== expectedAuth) return json(res, 401, { error: 'unauthorized' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return json(res, 400, { error: 'malformed-json' });
    }
    const { from, to, text, clientReference, deliveryReportUrl } = body;
    if (typeof to !== 'string' || typeof text !== 'string' || typeof from !== 'string')
      return json(res, 400, { error: 'missing-field', message: 'from, to and text are required' });
    const reference = typeof clientReference === 'string' ? clientReference : undefined;
    const encoding = body.encoding === 'UCS2' ? 'UCS2' : 'GSM7';
    const current = behaviour;
    await delay(current.submitDelayMs);
    const previous = reference ? byReference.get(reference) : undefined;
    if (previous) {
      submissionAttempts.push({
        clientReference: reference,
        to,
        text,
        outcome: 'duplicate',
        providerMessageId: previous.providerMessageId,
        at: Date.now(),
      });
      json(res, 409, { error: 'duplicate-reference', messageId: previous.providerMessageId });
      changes.notify();
      return;
    }
    const outcome = current.mode === 'accept' ? 'accepted' : current.mode === 'fail' ? 'failed' : 'rejected';
    const sms: ReceivedSms = {
      providerMessageId: outcome === 'accepted' ? randomUUID() : undefined,
      clientReference: reference,
      from,
      to,
      text,
      encoding,
      outcome,
      receivedAt: Date.now(),
    };
    received.push(sms);
    submissionAttempts.push({
      clientReference: reference,
      to,
      text,
      outcome,
      providerMessageId: sms.providerMessageId,
      at: sms.receivedAt,
    });
    if (outcome === 'accepted') {
      if (reference) byReference.set(reference, sms);
      reportUrls.set(
        sms.providerMessageId as string,
        typeof deliveryReportUrl === 'string' ? deliveryReportUrl : undefined,
      );
      json(res, 202, { messageId: sms.providerMessageId, status: 'ACCEPTED' });
      scheduleReport(sms);
    } else if (outcome === 'failed') {
      json(res, 503, { error: 'temporarily-unavailable', message: 'Simulated outage' });
    } else {
      json(res, 400, { error: 'invalid-destination', message: 'Simulated rejection' });
    }
    changes.notify();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (req.method === 'POST' && url.pathname === '/v1/sms') return submit(req, res);
    if (req.method === 'GET' && url.pathname === '/v1/sms') {
      if (req.headers.authorization !== expectedAuth) return json(res, 401, { error: 'unauthorized' });
      const clientReference = url.searchParams.get('clientReference') ?? '';
      const found = byReference.get(clientReference);
      lookups.push({ clientReference, found: found !== undefined, at: Date.now() });
      return found
        ? json(res, 200, { messageId: found.providerMessageId, status: 'ACCEPTED' })
        : json(res, 404, { error: 'not-found' });
    }
    if (req.method === 'GET' && url.pathname === '/_simulator/messages') {
      const to = url.searchParams.get('to');
      return json(
        res,
        200,
        received.filter((r) => !to || r.to === to),
      );
    }
    if (req.method === 'POST' && url.pathname === '/_simulator/behaviour') {
      simulator.configure(JSON.parse((await readBody(req)) || '{}') as Partial<ProviderBehaviour>);
      return json(res, 200, behaviour);
    }
    if (req.method === 'POST' && url.pathname === '/_simulator/reset') {
      simulator.reset();
      return json(res, 200, behaviour);
    }
    json(res, 404, { error: 'not-found' });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: 'simulator-error', message: (error as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const simulator: HttpSmsGatewaySimulator = {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    username,
    password,
    received,
    reportFailures,
    accepted: () => received.filter((r) => r.outcome === 'accepted'),
    submissionAttempts,
    duplicateSubmissions: () => submissionAttempts.filter((a) => a.outcome === 'duplicate'),
    lookups,
    get behaviour() {
      return behaviour;
    },
    configure(change) {
      behaviour = { ...behaviour, ...change };
    },
    setCallback(url, token) {
      callbackUrl = url;
      if (token !== undefined) callbackToken = token;
    },
    waitFor: (predicate, timeoutMs) =>
      changes.until(
        () => received.find(predicate),
        'a matching SMS at the HTTP gateway simulator',
        timeoutMs,
      ),
    async sendReport(providerMessageId, status, errorCode) {
      const sms = received.find((r) => r.providerMessageId === providerMessageId);
      if (!sms) throw new Error(`No accepted message ${providerMessageId}`);
      return postReport(sms, reportBody(sms, status, errorCode));
    },
    reset() {
      received.length = 0;
      submissionAttempts.length = 0;
      lookups.length = 0;
      byReference.clear();
      reportUrls.clear();
      reportFailures.length = 0;
      behaviour = { ...DEFAULT_BEHAVIOUR, ...options.behaviour };
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return simulator;
}
