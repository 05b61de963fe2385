/**
 * Accuracy of the router's fallback timers with many pending: messages to citizens whose one
 * device never acknowledges, with an SMS fallback and a fallback window of --window-s seconds.
 * For each message: SMS submission time at the platform's SMS gateway simulator minus
 * (ACCEPTED time on the sender's status topic + window). Target: within 1 s.
 *
 * Flags: --timers N (pending fallback timers, default 10000), --window-s S (default 25; the
 * sends must all be accepted within it for the timers to be pending together), --citizens N
 * (default 500; messages round-robin over them), --send-concurrency N (default 64).
 */
import { randomUUID } from 'node:crypto';
import { createAvroCodec, TOPICS } from '@smis/contracts';
import { createKafka, silentLogger } from '@smis/messaging';
import { createPseudonymizer, createTranscryptor } from '@smis/pseudonym';
import type { SenderClient } from '@smis/sender-sdk';
import sodium from 'sodium-native';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { bootstrap, type RunningPlatform } from '../../../../apps/platform/src/bootstrap';
import type { Bench, BenchReport, TargetCheck } from '../harness';
import { registerDevices, tapPushes } from '../support/devices';
import { formatRate, numberFlag, percentiles, sampleLoad } from '../support/measure';
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

export const bench: Bench = {
  name: 'fallback',
  description: 'fallback timers: SMS submitted at (accepted + window) with many timers pending',
  async run(context): Promise<BenchReport> {
    const log = context.log;
    const timers = numberFlag('timers', 10_000);
    const windowS = numberFlag('window-s', 25);
    const citizens = numberFlag('citizens', 500);
    const concurrency = numberFlag('send-concurrency', 64);
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
      const tracker = await trackStatuses(infra.brokers, BENCH_SENDER_ID);
      cleanups.push(() => tracker.stop());
      tracker.onStatus((status) => {
        if (status.status === 'ACCEPTED') accepted.set(status.messageId, status.occurredAt);
        if (status.status === 'FALLBACK') fallbacks.set(status.messageId, status.occurredAt);
      });
      sender = benchSender(infra.brokers, platform.url, files);
      const client = sender;

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
            await client.send({
              messageId,
              recipient: devices[i % devices.length].identifier,
              content: messageContent(512, messageId),
              category: 'administration',
              expiresAt: Date.now() + 3600_000,
              fallbackWindowSeconds: windowS,
              allowedChannels: ['APP', 'SMS'],
              smsText: `Bericht ${messageId}: open de app.`,
            });
          } catch (error) {
            sendErrors++;
            lastSendError = (error as Error).message;
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, lane));
      const sendS = (Date.now() - started) / 1000;
      log(`${timers} sent in ${sendS.toFixed(1)} s (${formatRate(timers / sendS)}/s); ${sendErrors} failed`);

      const wanted = new Set(ids);
      const smsOf = new Map<string, number>();
      const idPattern = /Bericht ([0-9a-f-]{36})/;
      const collect = () => {
        for (const s of sms.received) {
          const id = idPattern.exec(s.text)?.[1];
          if (id && wanted.has(id) && s.outcome === 'accepted' && !smsOf.has(id)) smsOf.set(id, s.receivedAt);
        }
      };
      // Every SMS arrives after its window: wait for them (or until well past the last window).
      const deadline = Date.now() + windowS * 1000 + Math.max(120_000, timers * 20);
      const expected = timers - sendErrors;
      while (Date.now() < deadline) {
        collect();
        if (smsOf.size >= expected) break;
        // The next SMS of this run not yet counted (the simulator also checks those already received).
        await sms
          .waitFor((s) => {
            const id = idPattern.exec(s.text)?.[1];
            return id !== undefined && wanted.has(id) && !smsOf.has(id);
          }, 10_000)
          .catch(() => undefined);
      }
      collect();
      const duplicates = sms.received.filter((s) => idPattern.test(s.text)).length - smsOf.size;
      const lateness: number[] = [];
      let noAccepted = 0;
      for (const [id, at] of smsOf) {
        const acceptedAt = accepted.get(id);
        if (acceptedAt === undefined) {
          noAccepted++;
          continue;
        }
        lateness.push(at - (acceptedAt + windowS * 1000));
      }
      const within = lateness.filter((l) => l >= -1000 && l <= 1000).length;
      const early = lateness.filter((l) => l < 0).length;
      const stats = percentiles(lateness);
      const share = lateness.length ? within / lateness.length : 0;
      log(
        `${smsOf.size}/${expected} SMS; lateness p50 ${stats.p50} p99 ${stats.p99} max ${stats.max} ms; within 1 s ${(share * 100).toFixed(1)}%`,
      );
      // How many timers were pending at once: accepted before the first SMS went out.
      const firstSms = Math.min(...smsOf.values());
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
        ],
        targets,
        notes: [
          `load average (1 min) during the run: ${loadSamples.join(', ')} — 2 cores shared`,
          `${timers} messages to ${citizens} citizens, window ${windowS} s, sent in ${sendS.toFixed(1)} s; router polls timers every 1 s (SMIS_ROUTER_TIMER_POLL_MS), batches of 100`,
          ...(noAccepted ? [`${noAccepted} SMS without an ACCEPTED status seen`] : []),
          ...(sendErrors ? [`${sendErrors} sends failed; last: ${lastSendError}`] : []),
        ],
        details: {
          flags: { timers, windowS, citizens, concurrency },
          latenessMs: stats,
          withinOneSecond: share,
          sms: smsOf.size,
          duplicates,
          pendingAtOnce,
          statusCounts: { ...tracker.counts },
          fallbacks: fallbacks.size,
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
