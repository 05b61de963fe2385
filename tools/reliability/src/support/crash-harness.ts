/**
 * What the service-crash suite watches from outside the platform: the sender's status topic,
 * the citizens' phones (FCM pushes answered with a device-signed READ, retried like an app would
 * while the app channel is down) and the SMS provider (delivery reports it could not hand over,
 * sent again as real providers do).
 */
import { createAvroCodec, statusTopic, type MessageStatus } from '@smis/contracts';
import { createKafka, silentLogger, type MessageConsumer } from '@smis/messaging';
import type { FcmEmulator, ReceivedPush } from '@smis/push-emulators';
import { isFinalStatus } from '@smis/sender-sdk';
import type { HttpSmsGatewaySimulator } from '@smis/sms-simulators';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { pushedMessageId, type SyntheticDevice } from '../../../bench/src/support/devices';

/** Every status of one sender, from the beginning of its topic, by messageId. */
export class StatusLog {
  private readonly byMessage = new Map<string, MessageStatus[]>();
  /** When this process received each message's first final status (epoch ms). */
  private readonly finalAt = new Map<string, number>();
  private consumer?: MessageConsumer;

  static async follow(brokers: readonly string[], senderId: string): Promise<StatusLog> {
    const codec = createAvroCodec();
    const client = createKafka({
      brokers: [...brokers],
      clientId: 'reliability-status-log',
      logger: silentLogger,
    });
    const log = new StatusLog();
    log.consumer = client.consumer({
      groupId: `reliability-crash-status-${randomBytes(4).toString('hex')}`,
      topics: [statusTopic(senderId)],
      fromBeginning: true,
      provisionTopics: false,
      retryDelaysMs: [],
      maxWaitTimeMs: 100,
      eachMessage: async (record) => {
        if (record.value) log.add(await codec.decode('MessageStatus', record.value));
      },
    });
    await log.consumer.start();
    return log;
  }

  private add(status: MessageStatus): void {
    const list = this.byMessage.get(status.messageId) ?? [];
    list.push(status);
    this.byMessage.set(status.messageId, list);
    if (isFinalStatus(status) && !this.finalAt.has(status.messageId))
      this.finalAt.set(status.messageId, Date.now());
  }

  /** When the first final status of the message arrived here, if it did. */
  finalReceivedAt(messageId: string): number | undefined {
    return this.finalAt.get(messageId);
  }

  of(messageId: string): readonly MessageStatus[] {
    return this.byMessage.get(messageId) ?? [];
  }

  /** The final statuses of a message (the sender SDK's definition), one per eventId. */
  finals(messageId: string): MessageStatus[] {
    const seen = new Map<string, MessageStatus>();
    for (const status of this.of(messageId)) if (isFinalStatus(status)) seen.set(status.eventId, status);
    return [...seen.values()];
  }

  isFinal(messageId: string): boolean {
    return this.of(messageId).some(isFinalStatus);
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }
}

export interface PhoneTap {
  /** Accepted pushes per messageId (a redelivered job may push again: the device dedupes). */
  readonly pushes: ReadonlyMap<string, number>;
  /** Messages a device acknowledged as READ (204). */
  readonly read: ReadonlySet<string>;
  /** Acknowledgements refused or unanswered before they went through (the app channel was down). */
  readonly retries: number;
  /** Acknowledgements given up on (deadline): each is a message the test will find not final. */
  readonly abandoned: readonly string[];
  stop(): void;
}

/**
 * Listens to the FCM emulator: every accepted push is counted; a push to a device in `reading`
 * is answered with `POST /v1/app/messages/:id/read`, signed by the device, retried every
 * `retryMs` until it answers 204 (as the app retries when the platform is unreachable).
 */
export function tapPhones(
  fcm: FcmEmulator,
  appChannelUrl: string,
  reading: ReadonlyMap<string, SyntheticDevice>,
  options: { retryMs?: number; deadlineMs?: number } = {},
): PhoneTap {
  const pushes = new Map<string, number>();
  const read = new Set<string>();
  const abandoned: string[] = [];
  const inFlight = new Set<string>();
  const state = { retries: 0, stopped: false };
  const retryMs = options.retryMs ?? 250;
  const deadlineMs = options.deadlineMs ?? 300_000;
  const original = fcm.record.bind(fcm);

  const acknowledge = async (messageId: string, device: SyntheticDevice): Promise<void> => {
    const path = `/v1/app/messages/${messageId}/read`;
    const deadline = Date.now() + deadlineMs;
    while (!state.stopped) {
      try {
        const response = await fetch(`${appChannelUrl}${path}`, {
          method: 'POST',
          headers: device.sign('POST', path),
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        if (response.status === 204) {
          read.add(messageId);
          return;
        }
      } catch {
        // The app channel is down (killed) or restarting: try again, as the app would.
      }
      state.retries++;
      if (Date.now() > deadline) {
        abandoned.push(messageId);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };

  fcm.record = (push: ReceivedPush) => {
    original(push);
    if (state.stopped || push.status < 200 || push.status >= 300) return;
    const messageId = pushedMessageId(push);
    if (!messageId) return;
    pushes.set(messageId, (pushes.get(messageId) ?? 0) + 1);
    const device = reading.get(push.token);
    if (!device || read.has(messageId) || inFlight.has(messageId)) return;
    inFlight.add(messageId);
    void acknowledge(messageId, device).finally(() => inFlight.delete(messageId));
  };
  return {
    pushes,
    read,
    get retries() {
      return state.retries;
    },
    abandoned,
    stop() {
      state.stopped = true;
      fcm.record = original;
    },
  };
}

export interface ReportRedelivery {
  /** Reports sent again after the first attempt failed (the SMS channel was down). */
  readonly resent: number;
  stop(): Promise<void>;
}

/**
 * The provider's side of delivery reports: one the SMS channel did not take (connection refused
 * while it was killed, or a non-2xx answer) is sent again every `intervalMs` until it is taken.
 */
export function redeliverReports(sms: HttpSmsGatewaySimulator, intervalMs = 500): ReportRedelivery {
  const pending = new Set<string>();
  let seenFailures = 0;
  let resent = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (; seenFailures < sms.reportFailures.length; seenFailures++) {
        const id = /^([^:]+):/.exec(sms.reportFailures[seenFailures])?.[1];
        if (id && id !== 'undefined') pending.add(id);
      }
      for (const id of [...pending]) {
        if (stopped) break;
        const status = await sms.sendReport(id, 'DELIVERED').catch(() => 0);
        resent++;
        if (status >= 200 && status < 300) pending.delete(id);
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    get resent() {
      return resent;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export interface SubmissionAttempt {
  clientReference?: string;
  text?: string;
  /** The provider's answer: 202 accepted, 409 a reference it already had (a second submission). */
  status: number;
}

export interface SubmissionRecorder {
  /** Where the SMS channel submits (forwards to the provider). */
  readonly url: string;
  /** Every `POST /v1/sms` that reached the provider, with its answer. */
  readonly attempts: readonly SubmissionAttempt[];
  close(): Promise<void>;
}

/**
 * A pass-through in front of the HTTP SMS provider that records every submission attempt and the
 * provider's answer: the simulator itself keeps only what it accepted, not a second submission of
 * a reference it refused with 409.
 */
export async function recordSubmissions(providerUrl: string): Promise<SubmissionRecorder> {
  const attempts: SubmissionAttempt[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type'])
        if (typeof req.headers[name] === 'string') headers[name] = req.headers[name] as string;
      fetch(`${providerUrl}${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      })
        .then(async (response) => {
          const answer = Buffer.from(await response.arrayBuffer());
          if (req.method === 'POST' && (req.url ?? '').split('?')[0] === '/v1/sms') {
            let parsed: { clientReference?: string; text?: string } = {};
            try {
              parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
            } catch {
              // Recorded without reference: the provider answered it anyway.
            }
            attempts.push({
              clientReference: parsed.clientReference,
              text: parsed.text,
              status: response.status,
            });
          }
          res.writeHead(response.status, {
            'content-type': response.headers.get('content-type') ?? 'application/json',
          });
          res.end(answer);
        })
        .catch((error: Error) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'proxy', message: error.message }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
