/**
 * Accuracy of the router's fallback timers with many pending: messages to citizens whose one
 * device never acknowledges, with an SMS fallback and a fallback window of --window-s seconds.
 * For each message whose SMS came from its fallback timer: SMS submission time at the platform's
 * SMS gateway simulator minus (the router's ACCEPTED event time + window); also the router's own
 * part, its FALLBACK event time minus the same due time. Target: within 1 s.
 *
 * Flags: --timers N (pending fallback timers, default 10000), --window-s S (default 90; the
 * sends must all be accepted within it for the timers to be pending together), --citizens N
 * (default 500; messages round-robin over them), --send-concurrency N (default 64),
 * --sdk-publish, --lookup-each (how requests are sent; see below).
 *
 * Sending: by default every request is made by the sender SDK's `send()` (pseudonymize, seal for
 * the citizen's device, seal the SMS text, sign) with the citizen's device keys looked up once
 * through the gateway and cached, into memory; then all are published to smis.requests.v1 in
 * batches of 500. So the timers are created as fast as the router accepts, and 10,000 are pending
 * together with a window of a minute or two. `--sdk-publish`: the SDK's Kafka transport publishes
 * each request as it is made (one record per send); `--lookup-each`: in addition, a gateway key
 * lookup per message (the SDK unchanged; about 15–50 sends/s here, the method of the first runs).
 *
 * `--publish-over-s S` (default 0: as fast as possible) publishes the made requests at an even
 * pace over S seconds (S < window): the steady state of a platform with `timers` fallback timers
 * pending, where timers fall due at timers / S per second. Without it, all come due within the
 * seconds the router took to accept them: a burst, bound by the SMS channel's throughput.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { createAvroCodec, TOPICS, type DeliveryEvent, type MessageRequest } from '@smis/contracts';
import { createKafka, silentLogger } from '@smis/messaging';
import { createPseudonymizer, createTranscryptor } from '@smis/pseudonym';
import {
  createSenderClient,
  type Reachability,
  type SenderClient,
  type SenderTransport,
  type StatusStream,
} from '@smis/sender-sdk';
import sodium from 'sodium-native';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { bootstrap, type RunningPlatform } from '../../../../apps/platform/src/bootstrap';
import type { Bench, BenchReport, TargetCheck } from '../harness';
import { registerDevices, tapPushes } from '../support/devices';
import { booleanFlag, formatRate, numberFlag, percentiles, sampleLoad } from '../support/measure';
import {
  BENCH_SENDER_ID,
  benchSender,
  messageContent,
  platformEnv,
  startInfrastructure,
  startPushEmulators,
  writePlatformFiles,
  type PlatformFiles,
  bounded,
} from '../support/platform';
import { trackStatuses } from '../support/status-tracker';

/** What identity publishes after a verified SMS code: the SMS channel learns the citizen's number. */
export async function registerPhones(
  brokers: readonly string[],
  files: Pick<PlatformFiles, 'keyring'>,
  identifiers: readonly string[],
): Promise<void> {
  const codec = createAvroCodec();
  const pseudonymizer = createPseudonymizer(files.keyring.pseudonym.public);
  const transcryptor = createTranscryptor(files.keyring.pseudonym.transcryptor);
  const smsKey = Buffer.from(files.keyring.channels.sms.publicKey, 'base64');
  const producer = createKafka({
    brokers: [...brokers],
    clientId: 'bench-phones',
    logger: silentLogger,
  }).producer();
  await producer.connect();
  try {
    const records = await Promise.all(
      identifiers.map(async (identifier) => {
        const number = identifier.replace(/^tel:/, '');
        const sealed = Buffer.alloc(Buffer.byteLength(number) + sodium.crypto_box_SEALBYTES);
        sodium.crypto_box_seal(sealed, Buffer.from(number), smsKey);
        const registrationId = randomUUID();
        return {
          key: registrationId,
          value: await codec.encode('PhoneRegistration', {
            registrationId,
            enrolmentId: randomUUID(),
            action: 'REGISTERED',
            recipient: Buffer.from(
              transcryptor.transcrypt(pseudonymizer.polymorphicPseudonym(identifier), 'sms'),
              'base64url',
              // As identity does: without the one-byte domain tag of the text form (64 bytes).
            ).subarray(1),
            sealedPhoneNumber: sealed,
            occurredAt: Date.now(),
          }),
        };
      }),
    );
    for (let i = 0; i < records.length; i += 500)
      await producer.send(TOPICS.phoneRegistrations, records.slice(i, i + 500));
  } finally {
    await producer.disconnect();
  }
}

const TIMER_REASON = 'app.not-delivered-in-window';
const PUBLISH_BATCH = 500;

/** The SDK's transport seam, keeping the signed requests in memory (published afterwards, in batches). */
class CollectingTransport implements SenderTransport {
  readonly kind = 'bench-memory';
  readonly requests: MessageRequest[] = [];
  async publish(request: MessageRequest): Promise<void> {
    this.requests.push(request);
  }
  watch(): StatusStream {
    throw new Error('the bench follows statuses itself');
  }
  async close(): Promise<void> {
    /* nothing to close */
  }
}

/** Publishes to smis.requests.v1 as the SDK's Kafka transport does (key messageId), many per send. */
async function publishRequests(
  brokers: readonly string[],
  requests: readonly MessageRequest[],
  overS = 0,
): Promise<void> {
  const codec = createAvroCodec();
  const producer = createKafka({
    brokers: [...brokers],
    clientId: 'bench-requests',
    logger: silentLogger,
  }).producer();
  await producer.connect();
  try {
    const started = Date.now();
    for (let i = 0; i < requests.length;) {
      let end = Math.min(i + PUBLISH_BATCH, requests.length);
      if (overS > 0) {
        // Paced: wait until the next request is due, then publish all that are due by then.
        const wait = started + (i * overS * 1000) / requests.length - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const dueBy = Math.floor(((Date.now() - started) * requests.length) / (overS * 1000)) + 1;
        end = Math.min(end, Math.max(i + 1, dueBy));
      }
      const batch = requests.slice(i, end);
      i = end;
      await producer.send(
        TOPICS.requests,
        await Promise.all(
          batch.map(async (r) => ({ key: r.messageId, value: await codec.encode('MessageRequest', r) })),
        ),
      );
    }
  } finally {
    await producer.disconnect();
  }
}

/** Every DeliveryEvent on smis.events.v1 from now on, to `listener`. */
async function followRouterEvents(
  brokers: readonly string[],
  listener: (event: DeliveryEvent) => void,
): Promise<{ stop(): Promise<void> }> {
  const codec = createAvroCodec();
  const consumer = createKafka({
    brokers: [...brokers],
    clientId: 'bench-events',
    logger: silentLogger,
  }).consumer({
    groupId: `bench-events-${randomBytes(4).toString('hex')}`,
    topics: [TOPICS.events],
    fromBeginning: false,
    provisionTopics: false,
    retryDelaysMs: [],
    partitionsConsumedConcurrently: 4,
    maxWaitTimeMs: 100,
    eachBatch: async (records) => {
      for (const record of records) {
        if (record.value) listener(await codec.decode('DeliveryEvent', record.value));
      }
    },
  });
  await consumer.start();
  return { stop: () => consumer.stop() };
}

/** Each citizen's device keys, looked up once through the gateway as the SDK does. */
async function cachedReachability(
  client: SenderClient,
  devices: readonly { identifier: string }[],
  concurrency: number,
): Promise<Reachability[]> {
  const result: Reachability[] = new Array(devices.length);
  let next = 0;
  const lane = async () => {
    while (next < devices.length) {
      const i = next++;
      result[i] = await client.lookup(devices[i].identifier);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return result;
}

export const bench: Bench = {
  name: 'fallback',
  description: 'fallback timers: SMS submitted at (accepted + window) with many timers pending',
  async run(context): Promise<BenchReport> {
    const log = context.log;
    const timers = numberFlag('timers', 10_000);
    const windowS = numberFlag('window-s', 90);
    const lookupEach = booleanFlag('lookup-each');
    const sdkPublish = lookupEach || booleanFlag('sdk-publish');
    const citizens = numberFlag('citizens', 500);
    const concurrency = numberFlag('send-concurrency', 64);
    const publishOverS = numberFlag('publish-over-s', 0);
    if (publishOverS >= windowS)
      throw new Error(
        '--publish-over-s must be shorter than --window-s, or the timers are never all pending',
      );
    const load = sampleLoad();
    const infra = await startInfrastructure(log);
    const files = writePlatformFiles();
    const push = await startPushEmulators();
    let platform: RunningPlatform | undefined;
    let sender: SenderClient | undefined;
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      platform = await bootstrap(platformEnv(infra, files, push));
      const sms = platform.smsGateway;
      if (!sms) throw new Error('the platform started no SMS gateway simulator');
      const devices = await registerDevices(platform.url, files.keyring, citizens);
      await registerPhones(
        infra.brokers,
        files,
        devices.map((d) => d.identifier),
      );
      log(`${devices.length} citizens: a device that never acknowledges, a registered phone`);
      const tap = tapPushes(push.fcm, platform.url, new Map());
      cleanups.push(async () => tap.stop());

      const accepted = new Map<string, number>();
      const fallbacks = new Map<string, number>();
      /** Why each message fell back: only `app.not-delivered-in-window` is the timer's doing. */
      const fallbackReasons = new Map<string, string>();
      const failedReasons: Record<string, number> = {};
      const tracker = await trackStatuses(infra.brokers, BENCH_SENDER_ID);
      cleanups.push(() => tracker.stop());
      // ACCEPTED and FALLBACK straight from the router's events (smis.events.v1), not through the
      // status service, whose lag under load would otherwise hide them.
      const routerEvents = await followRouterEvents(infra.brokers, (event) => {
        if (event.senderId !== BENCH_SENDER_ID || event.producer !== 'router') return;
        if (event.status === 'ACCEPTED') accepted.set(event.messageId, event.occurredAt);
        if (event.status === 'FALLBACK') {
          fallbacks.set(event.messageId, event.occurredAt);
          fallbackReasons.set(event.messageId, event.reason ?? 'none');
        }
      });
      cleanups.push(() => routerEvents.stop());
      tracker.onStatus((status) => {
        if (status.status === 'FAILED') {
          const key = `${status.channel ?? 'message'}: ${status.reason ?? 'none'}`;
          failedReasons[key] = (failedReasons[key] ?? 0) + 1;
        }
      });
      sender = benchSender(infra.brokers, platform.url, files);
      let client = sender;
      // Which citizen the send in progress is for: the cached key directory answers for it.
      const citizenOfSend = new AsyncLocalStorage<number>();
      const collected = new CollectingTransport();
      if (!lookupEach) {
        const reachability = await cachedReachability(sender, devices, 16);
        log(`device keys looked up once per citizen (${reachability.length}); sends use the cache`);
        const first = sender;
        cleanups.push(() => first.close());
        sender = createSenderClient(
          {
            senderId: BENCH_SENDER_ID,
            signingKey: files.senderKey,
            digestKey: randomBytes(32),
            systemPublicKey: files.keyring.pseudonym.public,
            channelKeys: {
              sms: Buffer.from(files.keyring.channels.sms.publicKey, 'base64'),
              email: Buffer.from(files.keyring.channels.email.publicKey, 'base64'),
            },
            transport: { kind: 'kafka', brokers: [...infra.brokers], gatewayUrl: platform.url },
            // The directory below answers for the send in progress (AsyncLocalStorage): the SDK's
            // cache must ask it within that send, one recipient at a time, and keep nothing.
            // Batched, a flush would run in the first send's context and answer for its citizen.
            keyCache: { ttlMs: 0, maxBatch: 1 },
          },
          {
            keyDirectory: {
              lookup: async () => {
                const citizen = citizenOfSend.getStore();
                if (citizen === undefined) throw new Error('a lookup outside a bench send');
                return reachability[citizen];
              },
            },
            ...(sdkPublish ? {} : { transport: collected }),
          },
        );
        client = sender;
      }

      const ids: string[] = [];
      let next = 0;
      let sendErrors = 0;
      let lastSendError = '';
      const started = Date.now();
      const lane = async () => {
        while (next < timers) {
          const i = next++;
          const messageId = randomUUID();
          ids.push(messageId);
          try {
            await citizenOfSend.run(i % devices.length, () =>
              client.send({
                messageId,
                recipient: devices[i % devices.length].identifier,
                content: messageContent(512, messageId),
                category: 'administration',
                expiresAt: Date.now() + 3600_000,
                fallbackWindowSeconds: windowS,
                allowedChannels: ['APP', 'SMS'],
                smsText: `Bericht ${messageId}: open de app.`,
              }),
            );
          } catch (error) {
            sendErrors++;
            lastSendError = (error as Error).message;
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, lane));
      let sendS = (Date.now() - started) / 1000;
      let how = lookupEach
        ? 'SDK send, a gateway key lookup per message'
        : 'SDK send, key lookups cached per citizen';
      if (collected.requests.length > 0) {
        const buildS = sendS;
        const publishStarted = Date.now();
        await publishRequests(infra.brokers, collected.requests, publishOverS);
        const publishS = (Date.now() - publishStarted) / 1000;
        sendS = (Date.now() - started) / 1000;
        how =
          publishOverS > 0
            ? `SDK send (sealed, signed; key lookups cached per citizen) into memory in ${buildS.toFixed(1)} s, then published at an even pace over ${publishS.toFixed(1)} s (${formatRate(timers / publishS)}/s)`
            : `SDK send (sealed, signed; key lookups cached per citizen) into memory in ${buildS.toFixed(1)} s, then published in batches of ${PUBLISH_BATCH} in ${publishS.toFixed(1)} s`;
      }
      log(
        `${timers} sent in ${sendS.toFixed(1)} s (${formatRate(timers / sendS)}/s; ${how}); ${sendErrors} failed`,
      );

      const wanted = new Set(ids);
      const smsOf = new Map<string, number>();
      const idPattern = /Bericht ([0-9a-f-]{36})/;
      // Each received SMS is looked at once (a rescan per arrival made the bench itself the hot
      // spot: quadratic in the SMS count, a third of the process's CPU at 3,000).
      let scanned = 0;
      const collect = () => {
        const received = sms.received;
        for (; scanned < received.length; scanned++) {
          const s = received[scanned];
          const id = idPattern.exec(s.text)?.[1];
          if (id && wanted.has(id) && s.outcome === 'accepted' && !smsOf.has(id)) smsOf.set(id, s.receivedAt);
        }
      };
      // Every SMS arrives after its window: wait for them while they keep coming (the timers come
      // due at the rate the router accepted the requests), bounded.
      const deadline = Date.now() + windowS * 1000 + Math.max(300_000, timers * 100);
      const expected = timers - sendErrors;
      let progressAt = Date.now();
      while (Date.now() < deadline) {
        collect();
        if (smsOf.size >= expected) break;
        const before = smsOf.size;
        // Any SMS not yet looked at (the predicate answers for the whole list at once, in O(1)).
        await sms.waitFor(() => sms.received.length > scanned, 10_000).catch(() => undefined);
        collect();
        if (smsOf.size > before) progressAt = Date.now();
        else if (Date.now() - progressAt > windowS * 1000 + 120_000) break;
      }
      collect();
      // The FALLBACK events (with their reason) are published by the router's outbox: wait for them.
      const statusDeadline = Date.now() + 60_000;
      while (Date.now() < statusDeadline && [...smsOf.keys()].some((id) => !fallbackReasons.has(id))) {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      collect();
      const ours = sms.received
        .map((s) => idPattern.exec(s.text)?.[1])
        .filter((id): id is string => id !== undefined && wanted.has(id));
      const duplicates = ours.length - new Set(ours).size;
      const lateness: number[] = [];
      let noAccepted = 0;
      // SMS of messages the app channel gave up on before the window's end (a push error): not timers.
      let notByTimer = 0;
      for (const [id, at] of smsOf) {
        const acceptedAt = accepted.get(id);
        if (acceptedAt === undefined) {
          noAccepted++;
          continue;
        }
        if (fallbackReasons.get(id) !== TIMER_REASON) {
          notByTimer++;
          continue;
        }
        lateness.push(at - (acceptedAt + windowS * 1000));
      }
      // The router's part: FALLBACK occurredAt (the timer round's clock) − due time.
      const timerLateness = [...smsOf.keys()]
        .filter((id) => fallbackReasons.get(id) === TIMER_REASON && accepted.has(id) && fallbacks.has(id))
        .map((id) => (fallbacks.get(id) as number) - ((accepted.get(id) as number) + windowS * 1000));
      const timerStats = percentiles(timerLateness);
      const within = lateness.filter((l) => l >= -1000 && l <= 1000).length;
      const early = lateness.filter((l) => l < 0).length;
      const stats = percentiles(lateness);
      const share = lateness.length ? within / lateness.length : 0;
      log(
        `timer fired (FALLBACK occurredAt) − due: p50 ${timerStats.p50} p99 ${timerStats.p99} max ${timerStats.max} ms`,
      );
      log(
        `${smsOf.size}/${expected} SMS; lateness p50 ${stats.p50} p99 ${stats.p99} max ${stats.max} ms; within 1 s ${(share * 100).toFixed(1)}%`,
      );
      // How many timers were pending at once: accepted before the first SMS went out.
      const firstSms = Math.min(
        ...[...smsOf].filter(([id]) => fallbackReasons.get(id) === TIMER_REASON).map(([, at]) => at),
      );
      const pendingAtOnce = [...accepted.values()].filter((a) => a < firstSms).length;
      const targets: TargetCheck[] = [
        {
          target: 'SMS sent within 1 s of the window’s end',
          measured: `${(share * 100).toFixed(1)}% within 1 s; p50 ${stats.p50} ms, p99 ${stats.p99} ms late`,
          met: share >= 0.99 && smsOf.size === expected,
        },
        {
          target: `${formatRate(timers)} timers pending together`,
          measured: `${formatRate(pendingAtOnce)} accepted before the first fallback SMS`,
          met: pendingAtOnce >= timers,
        },
        {
          target: 'every message falls back exactly once',
          measured: `${smsOf.size} of ${expected} SMS, ${duplicates} duplicate submissions`,
          met: smsOf.size === expected && duplicates === 0,
        },
      ];
      const loadSamples = load.stop();
      return {
        measurements: [
          {
            name: 'fallback SMS lateness (submission − accepted − window)',
            unit: 'ms',
            median: stats.p50,
            min: Math.min(...lateness),
            max: stats.max,
            runs: [stats.p50, stats.p90, stats.p99],
            coresUsed: Number.NaN,
            note: `runs = p50, p90, p99; ${early} early`,
          },
          {
            name: 'router timer lateness (FALLBACK occurredAt − accepted − window)',
            unit: 'ms',
            median: timerStats.p50,
            min: Math.min(...timerLateness),
            max: timerStats.max,
            runs: [timerStats.p50, timerStats.p90, timerStats.p99],
            coresUsed: Number.NaN,
            note: 'runs = p50, p90, p99; the rest of the SMS lateness is outbox → Kafka → SMS channel',
          },
        ],
        targets,
        notes: [
          `load average (1 min) during the run: ${loadSamples.join(', ')} — 2 cores shared`,
          `${timers} messages to ${citizens} citizens, window ${windowS} s, sent in ${sendS.toFixed(1)} s (${how}); the router wakes at the next due timer (at most SMIS_ROUTER_TIMER_POLL_MS = 1 s apart), batches of 100`,
          ...(noAccepted ? [`${noAccepted} SMS without an ACCEPTED status seen`] : []),
          ...(notByTimer
            ? [
                `${notByTimer} SMS not counted: their FALLBACK was not the timer's (${TIMER_REASON}) but the app channel's FAILED (${JSON.stringify(failedReasons)})`,
              ]
            : []),
          ...(sendErrors ? [`${sendErrors} sends failed; last: ${lastSendError}`] : []),
        ],
        details: {
          flags: { timers, windowS, citizens, concurrency, lookupEach, sdkPublish, publishOverS },
          latenessMs: stats,
          timerLatenessMs: timerStats,
          withinOneSecond: share,
          sms: smsOf.size,
          duplicates,
          pendingAtOnce,
          statusCounts: { ...tracker.counts },
          fallbacks: fallbacks.size,
          fallbacksNotByTimer: notByTimer,
          failedReasons,
          loadAverage1m: loadSamples,
        },
      } as BenchReport;
    } finally {
      // Bounded: after an overload, consumers in the middle of a rebalance can take minutes to stop.
      for (const cleanup of cleanups.reverse()) await bounded(cleanup(), 'cleanup', log);
      await bounded(sender?.close(), 'sender SDK close', log);
      await bounded(platform?.close(), 'platform close', log);
      await bounded(push.close(), 'push emulators close', log);
      await bounded(infra.close(), 'broker and database', log);
      files.remove();
    }
  },
};
