/**
 * The whole pipeline on this machine: sealed 1 KB messages from the sender SDK (Kafka transport)
 * through router and app channel to the FCM emulator, acknowledged by a synthetic device
 * (device-signed POST .../delivered), and DELIVERED on the sender's status topic. Every service
 * runs in this process (apps/platform bootstrap), the broker in its own JVM. Then, on the same
 * broker, Apache Kafka's perf tools and a bare @smis/messaging loop, so the platform's cost reads
 * as a ratio.
 *
 * Flags: --throughput-s S (closed-loop phase, default 30), --inflight N (messages not yet
 * DELIVERED, default 400), --rate R and --latency-s S (open-loop phase, default 1000/s for 20 s),
 * --citizens N (default 200), --kafka-records N (perf tools, default 200000), --no-kafka,
 * --platform-process (the platform in a child process started as `npm start` starts it, instead
 * of this process; the bench keeps the SDK, devices, push emulator and status consumer),
 * --platform-processes N (N such processes, every service in each, as N replicas share the topics'
 * partitions; devices spread over them), --platform-cpu-prof DIR (V8 CPU profiles of those).
 */
import { randomUUID } from 'node:crypto';
import type { SenderClient } from '@smis/sender-sdk';
// The platform process itself, started in this process (a bench exercises the app).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { bootstrap, type RunningPlatform } from '../../../../apps/platform/src/bootstrap';
// The platform as its own process, as the crash suite starts services (--platform-process).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { freePort, ServiceProcess } from '../../../reliability/src/support/service-process';
import { join } from 'node:path';
import type { Bench, BenchReport, Measurement, TargetCheck } from '../harness';
import { registerDevices, tapPushes, type SyntheticDevice } from '../support/devices';
import { bareMessagingLoop, kafkaPerfTools } from '../support/kafka-baseline';
import {
  booleanFlag,
  CpuMeter,
  formatRate,
  numberFlag,
  percentiles,
  sampleLoad,
  stringFlag,
} from '../support/measure';
import {
  BENCH_SENDER_ID,
  benchSender,
  messageContent,
  platformEnv,
  startInfrastructure,
  startPushEmulators,
  writePlatformFiles,
  bounded,
} from '../support/platform';
import { trackStatuses } from '../support/status-tracker';

interface InFlight {
  sentAt: number;
  pushedAt?: number;
  resolve?: () => void;
}

/** A closed-loop lane gives up on a message not DELIVERED by then (and counts it). */
const LANE_TIMEOUT_MS = 30_000;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export const bench: Bench = {
  name: 'pipeline',
  description:
    'sender SDK (Kafka) → router → app channel → push emulator → device ack → DELIVERED on the status topic, one process',
  async run(context): Promise<BenchReport> {
    const log = context.log;
    const throughputS = numberFlag('throughput-s', 30);
    const inflightLimit = numberFlag('inflight', 400);
    const rate = numberFlag('rate', 1000);
    const latencyS = numberFlag('latency-s', 20);
    const citizens = numberFlag('citizens', 200);
    const kafkaRecords = numberFlag('kafka-records', 200_000);
    const load = sampleLoad();

    const infra = await startInfrastructure(log);
    const files = writePlatformFiles();
    const push = await startPushEmulators();
    const platformCpuProf = stringFlag('platform-cpu-prof');
    const replicas = numberFlag('platform-processes', 1);
    if (!Number.isInteger(replicas)) throw new Error('--platform-processes needs a whole number');
    const platformProcess =
      booleanFlag('platform-process') || platformCpuProf !== undefined || booleanFlag('platform-processes');
    let platform: RunningPlatform | undefined;
    const children: ServiceProcess[] = [];
    let sender: SenderClient | undefined;
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      // The broker's own figures first, on the fresh broker, before the platform loads it.
      let baseline:
        | {
            tools: Awaited<ReturnType<typeof kafkaPerfTools>>;
            bareBatched: Awaited<ReturnType<typeof bareMessagingLoop>>;
            bareSingle: Awaited<ReturnType<typeof bareMessagingLoop>>;
          }
        | undefined;
      if (!booleanFlag('no-kafka')) {
        log(`Kafka perf tools: ${kafkaRecords} records of 1 KB, 12 partitions, acks=all`);
        const tools = await kafkaPerfTools(infra.brokers, kafkaRecords, 12);
        log(`  ${tools.produce.summary}`);
        log(`  consume: ${formatRate(tools.consume.recordsPerSecond)} records/s`);
        const bareBatched = await bareMessagingLoop(infra.brokers, {
          records: 100_000,
          recordsPerSend: 100,
          lanes: 4,
          partitions: 12,
        });
        const bareSingle = await bareMessagingLoop(infra.brokers, {
          records: 30_000,
          recordsPerSend: 1,
          lanes: 256,
          partitions: 12,
        });
        log(
          `  @smis/messaging: batches of 100 ${formatRate(bareBatched.endToEnd)}/s end to end; ` +
            `single-record sends ×256 ${formatRate(bareSingle.endToEnd)}/s`,
        );
        baseline = { tools, bareBatched, bareSingle };
      }
      const started = performance.now();
      const env = platformEnv(infra, files, push, { SMIS_SIMULATORS: 'true' });
      let platformUrl: string;
      if (platformProcess) {
        // Every service in a child process (`npm start`'s entry point): this process keeps the
        // SDK, the synthetic devices, the push emulator and the status consumer, so the two use
        // both cores.
        // One after the other: the first creates the schemas and topics.
        for (let i = 0; i < replicas; i++) {
          const child = new ServiceProcess({
            name: replicas === 1 ? 'platform' : `platform-${i + 1}`,
            services: 'all',
            port: await freePort(),
            // `info`: the child's readiness is its "listening" log line.
            env: { ...env, LOG_LEVEL: 'info' },
            logFile: join(files.dataDir, `platform-${i + 1}.log`),
            // --platform-cpu-prof DIR: a V8 CPU profile of the platform process, written on stop.
            nodeArgs: platformCpuProf ? ['--cpu-prof', `--cpu-prof-dir=${platformCpuProf}`] : [],
          });
          children.push(child);
          await child.start();
        }
        platformUrl = children[0].url;
      } else {
        platform = await bootstrap(env);
        platformUrl = platform.url;
      }
      log(
        `platform up in ${((performance.now() - started) / 1000).toFixed(1)} s at ${platformUrl}` +
          (children.length > 0
            ? ` (own process${children.length > 1 ? `es, ${children.length} replicas` : ''}, pid ${children.map((c) => c.pid).join(', ')})`
            : ' (in this process)'),
      );
      const devices = await registerDevices(platformUrl, files.keyring, citizens);
      log(`${devices.length} citizens registered, one FCM device each`);

      const inFlight = new Map<string, InFlight>();
      const latencies: number[] = [];
      const pushLatencies: number[] = [];
      let delivered = 0;
      let recording = false;
      const tracker = await trackStatuses(infra.brokers, BENCH_SENDER_ID);
      cleanups.push(() => tracker.stop());
      tracker.onStatus((status) => {
        if (status.status !== 'DELIVERED') return;
        const entry = inFlight.get(status.messageId);
        if (!entry) return;
        inFlight.delete(status.messageId);
        delivered++;
        if (recording) {
          latencies.push(performance.now() - entry.sentAt);
          if (entry.pushedAt) pushLatencies.push(entry.pushedAt - entry.sentAt);
        }
        entry.resolve?.();
      });
      const byToken = new Map<string, SyntheticDevice>(devices.map((d) => [d.fcmToken, d]));
      const tap = tapPushes(
        push.fcm,
        children.length > 0 ? children.map((c) => c.url) : platformUrl,
        byToken,
        (messageId) => {
          const entry = inFlight.get(messageId);
          if (entry && !entry.pushedAt) entry.pushedAt = performance.now();
        },
      );
      cleanups.push(async () => tap.stop());
      sender = benchSender(infra.brokers, platformUrl, files);
      const client = sender;

      let sendErrors = 0;
      let undelivered = 0;
      let lastSendError = '';
      let next = 0;
      const sendOne = async (waitDelivered: boolean): Promise<void> => {
        const device = devices[next++ % devices.length];
        const messageId = randomUUID();
        const entry: InFlight = { sentAt: performance.now() };
        const deliveredPromise = waitDelivered
          ? new Promise<void>((resolve) => (entry.resolve = resolve))
          : undefined;
        inFlight.set(messageId, entry);
        try {
          await client.send({
            messageId,
            recipient: device.identifier,
            content: messageContent(1024, messageId),
            category: 'administration',
            expiresAt: Date.now() + 3600_000,
          });
        } catch (error) {
          inFlight.delete(messageId);
          sendErrors++;
          lastSendError = (error as Error).message;
          return;
        }
        // A message not DELIVERED within the bound frees its lane (counted, reported).
        if (deliveredPromise) {
          let timer: NodeJS.Timeout | undefined;
          const delivered = await Promise.race([
            deliveredPromise.then(() => true),
            new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), LANE_TIMEOUT_MS))),
          ]);
          clearTimeout(timer);
          if (!delivered) {
            inFlight.delete(messageId);
            undelivered++;
          }
        }
      };

      /** Closed loop: `lanes` messages outstanding until DELIVERED; rates per window. */
      const closedLoop = async (seconds: number, lanes: number, windowMs: number) => {
        const windows: number[] = [];
        const start = performance.now();
        let windowStart = start;
        let windowDelivered = delivered;
        const ticker = setInterval(() => {
          const now = performance.now();
          windows.push(((delivered - windowDelivered) * 1000) / (now - windowStart));
          windowStart = now;
          windowDelivered = delivered;
        }, windowMs);
        const startDelivered = delivered;
        const lane = async () => {
          while (performance.now() - start < seconds * 1000) await sendOne(true);
        };
        await Promise.all(Array.from({ length: lanes }, lane));
        clearInterval(ticker);
        const wall = (performance.now() - start) / 1000;
        return { windows, overall: (delivered - startDelivered) / wall };
      };

      // Warm-up: JIT, connection pools, consumer groups settled.
      log('warm-up: 10 s closed loop');
      await closedLoop(10, Math.min(inflightLimit, 100), 5_000);

      log(`throughput: closed loop, ${inflightLimit} in flight, ${throughputS} s`);
      recording = true;
      latencies.length = 0;
      pushLatencies.length = 0;
      const cpu = new CpuMeter(
        infra.cluster?.nodes[0]?.pid(),
        children.map((c) => c.pid),
      );
      const closed = await closedLoop(throughputS, inflightLimit, 5_000);
      const closedCpu = cpu.read();
      const closedLatency = percentiles(latencies);
      const closedPush = percentiles(pushLatencies);
      log(
        `closed loop: ${formatRate(closed.overall)} DELIVERED/s, windows ${closed.windows.map(formatRate).join(' ')}; ` +
          `cores ${closedCpu.cores}${children.length > 0 ? ` + platform process ${closedCpu.platformCores ?? '?'}` : ''} (broker ${closedCpu.otherCores ?? '?'}, PostgreSQL ${closedCpu.databaseCores ?? '?'}); latency p50 ${closedLatency.p50} p99 ${closedLatency.p99} ms; ` +
          `acks ${tap.acks} (${tap.ackErrors} failed attempts, last: ${tap.lastAckError ?? 'none'}), ${undelivered} not DELIVERED within 30 s`,
      );

      log(`latency: open loop at ${rate}/s for ${latencyS} s`);
      latencies.length = 0;
      pushLatencies.length = 0;
      const openCpu = new CpuMeter(
        infra.cluster?.nodes[0]?.pid(),
        children.map((c) => c.pid),
      );
      const total = Math.round(rate * latencyS);
      const errorsBefore = sendErrors;
      const openStart = performance.now();
      const pending: Promise<void>[] = [];
      let behindMs = 0;
      for (let i = 0; i < total; i++) {
        const due = openStart + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        else behindMs = Math.max(behindMs, -wait);
        pending.push(sendOne(true));
      }
      const sendWindowS = (performance.now() - openStart) / 1000;
      const settled = await Promise.race([
        Promise.all(pending).then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 120_000).unref()),
      ]);
      const openSendErrors = sendErrors - errorsBefore;
      // Delivered means every one sent: a failed send also settles its promise.
      const drained = settled && openSendErrors === 0;
      const openCpuRead = openCpu.read();
      const openLatency = percentiles(latencies);
      const openPush = percentiles(pushLatencies);
      log(
        `open loop: ${total} sent in ${sendWindowS.toFixed(1)} s (at most ${behindMs.toFixed(0)} ms behind schedule), ` +
          `${openLatency.count} DELIVERED, ${openSendErrors} sends failed${settled ? '' : ', not all within 120 s'}; p50 ${openLatency.p50} p99 ${openLatency.p99} ms`,
      );
      recording = false;

      const measurements: Measurement[] = [
        {
          name: `pipeline closed loop (${inflightLimit} in flight) DELIVERED/s`,
          unit: 'msg/s',
          median: median(closed.windows),
          min: Math.min(...closed.windows),
          max: Math.max(...closed.windows),
          runs: closed.windows.map((w) => Math.round(w)),
          coresUsed: closedCpu.cores,
          note:
            `overall ${formatRate(closed.overall)}/s, 5 s windows; broker JVM ${closedCpu.otherCores ?? '?'} cores; ` +
            `PostgreSQL ${closedCpu.databaseCores ?? '?'} cores` +
            (children.length > 0
              ? `; platform process ${closedCpu.platformCores ?? '?'} cores (cores used: the bench process)`
              : ''),
        },
      ];
      const details: Record<string, unknown> = {
        flags: {
          throughputS,
          inflightLimit,
          rate,
          latencyS,
          citizens,
          kafkaRecords,
          platformProcess,
          replicas,
        },
        kafka: { source: infra.kafkaSource, brokers: infra.brokers },
        closedLoop: {
          overallPerSecond: Math.round(closed.overall),
          windowsPerSecond: closed.windows.map(Math.round),
          cpu: closedCpu,
          sendToDeliveredMs: closedLatency,
          sendToPushMs: closedPush,
        },
        openLoop: {
          rate,
          sent: total,
          sendWindowS: Number(sendWindowS.toFixed(2)),
          maxBehindScheduleMs: Math.round(behindMs),
          allDelivered: drained,
          sendErrors: openSendErrors,
          cpu: openCpuRead,
          sendToDeliveredMs: openLatency,
          sendToPushMs: openPush,
        },
        sendErrors,
        lastSendError: lastSendError || undefined,
        acks: { acks: tap.acks, errors: tap.ackErrors, failures: tap.ackFailures, last: tap.lastAckError },
        undeliveredWithin30s: undelivered,
        statusCounts: { ...tracker.counts },
      };

      let ratio: string | undefined;
      if (baseline) {
        const { tools, bareBatched, bareSingle } = baseline;
        const row = (name: string, value: number, note: string): Measurement => ({
          name,
          unit: 'records/s',
          median: value,
          min: value,
          max: value,
          runs: [value],
          coresUsed: Number.NaN,
          note,
        });
        measurements.push(
          row('kafka ProducerPerformance (1 KB, acks=all)', tools.produce.recordsPerSecond, 'one run, JVM'),
          row('kafka ConsumerPerformance (1 KB)', tools.consume.recordsPerSecond, 'one run, JVM'),
          row(
            '@smis/messaging produce→consume, batches of 100',
            bareBatched.endToEnd,
            `produce alone ${formatRate(bareBatched.produced)}/s`,
          ),
          row(
            '@smis/messaging produce→consume, 1 record/send ×256',
            bareSingle.endToEnd,
            `as the SDK publishes; produce alone ${formatRate(bareSingle.produced)}/s`,
          ),
        );
        details.kafkaTools = tools;
        details.bareMessaging = { batched: bareBatched, single: bareSingle };
        ratio =
          `platform ${formatRate(closed.overall)}/s = ${((closed.overall / tools.produce.recordsPerSecond) * 100).toFixed(1)}% of ProducerPerformance, ` +
          `${((closed.overall / bareSingle.endToEnd) * 100).toFixed(1)}% of single-record @smis/messaging produce→consume`;
      }
      details.loadAverage1m = load.stop();

      const targets: TargetCheck[] = [
        {
          target: 'end to end ≥ 5,000 msg/s (DELIVERED)',
          measured: `${formatRate(closed.overall)} msg/s closed loop (${inflightLimit} in flight)`,
          met: closed.overall >= 5_000,
        },
        {
          target: `p99 send → DELIVERED < 250 ms at ${rate}/s`,
          measured: `p50 ${openLatency.p50} ms, p99 ${openLatency.p99} ms over ${openLatency.count} messages${drained ? '' : ` (${total - openLatency.count} of ${total} not delivered)`}`,
          met: drained && openLatency.p99 < 250 && rate >= 1000,
        },
      ];
      const notes = [
        `machine load average (1 min) during the run: ${(details.loadAverage1m as number[]).join(', ')} — 2 cores shared with another engineer`,
        children.length > 0
          ? `--platform-process${children.length > 1 ? `es ${children.length}` : ''}: cores used = CPU of this process (SDK, synthetic devices, push emulator, status consumer) / wall time; the platform process and the broker JVM measured from /proc`
          : `cores used = CPU of this process (every service + SDK + synthetic devices) / wall time; broker JVM measured separately from /proc`,
        `open loop: ${openLatency.count} DELIVERED of ${total} sent; send → push p50 ${openPush.p50} ms, p99 ${openPush.p99} ms`,
        ...(ratio ? [ratio] : []),
        ...(sendErrors ? [`${sendErrors} sends failed; last: ${lastSendError}`] : []),
      ];
      return { measurements, targets, notes, details } as BenchReport;
    } finally {
      // Bounded: after an overload, consumers in the middle of a rebalance can take minutes to stop.
      for (const cleanup of cleanups.reverse()) await bounded(cleanup(), 'cleanup', log);
      await bounded(sender?.close(), 'sender SDK close', log);
      await bounded(platform?.close(), 'platform close', log);
      for (const child of children) await bounded(child.stop(), `${child.name} process stop`, log);
      await bounded(push.close(), 'push emulators close', log);
      await bounded(infra.close(), 'broker and database', log);
      files.remove();
    }
  },
};
