/**
 * What the broker itself does on this machine, for the platform's numbers to be read as a ratio:
 * Apache Kafka's own perf tools (ProducerPerformance, ConsumerPerformance, from the jar cache of
 * tools/kafka) and a bare produce→consume loop through @smis/messaging (kafkajs).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ensureKafkaJars } from '@smis/kafka-local';
import { createKafka, silentLogger } from '@smis/messaging';

export interface ToolRun {
  recordsPerSecond: number;
  mbPerSecond: number;
  /** The tool's own summary line. */
  summary: string;
}

function runJava(lib: string, mainClass: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx512m', '-cp', `${lib}/*`, mainClass, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${mainClass} exited with ${code}: ${err.slice(-2000) || out.slice(-2000)}`));
    });
  });
}

async function createTopic(brokers: readonly string[], topic: string, partitions: number): Promise<void> {
  const admin = createKafka({ brokers: [...brokers], clientId: 'bench-admin', logger: silentLogger }).admin();
  try {
    await admin.ensureTopics([{ topic, numPartitions: partitions, replicationFactor: 1 }]);
  } finally {
    await admin.disconnect();
  }
}

/** ProducerPerformance then ConsumerPerformance over the same new topic. */
export async function kafkaPerfTools(
  brokers: readonly string[],
  records: number,
  partitions: number,
): Promise<{ produce: ToolRun; consume: ToolRun; topic: string }> {
  const lib = await ensureKafkaJars();
  const topic = `bench-perf-${randomBytes(4).toString('hex')}`;
  await createTopic(brokers, topic, partitions);
  const bootstrap = brokers.join(',');
  const produced = await runJava(
    lib,
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      '1024',
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${bootstrap}`,
      'acks=all',
    ],
    180_000,
  );
  // "300000 records sent, 61236.9 records/sec (59.80 MB/sec), 377.48 ms avg latency, ..."
  const summaryLine = produced
    .trim()
    .split('\n')
    .filter((l) => l.includes('records sent'))
    .pop();
  const p = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(summaryLine ?? '');
  if (!p) throw new Error(`ProducerPerformance printed no summary: ${produced.slice(-500)}`);
  const consumed = await runJava(
    lib,
    'org.apache.kafka.tools.ConsumerPerformance',
    ['--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(records), '--timeout', '60000'],
    180_000,
  );
  // header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
  const lines = consumed.trim().split('\n');
  const header = lines.findIndex((l) => l.includes('nMsg.sec'));
  const values = lines[header + 1]?.split(',').map((v) => v.trim());
  const names = lines[header]?.split(',').map((v) => v.trim());
  if (header < 0 || !values || !names) throw new Error(`ConsumerPerformance printed no result: ${consumed}`);
  const field = (name: string) => Number(values[names.indexOf(name)]);
  return {
    topic,
    produce: {
      recordsPerSecond: Number(p[1]),
      mbPerSecond: Number(p[2]),
      summary: (summaryLine ?? '').trim(),
    },
    consume: {
      recordsPerSecond: field('nMsg.sec'),
      mbPerSecond: field('MB.sec'),
      summary: `${names.join(',')} | ${values.join(',')}`,
    },
  };
}

export interface BareLoopResult {
  /** Records acknowledged by the broker per second while producing. */
  produced: number;
  /** Records consumed per second, from the first send to the last record consumed. */
  endToEnd: number;
  records: number;
}

/**
 * A bare produce→consume loop through @smis/messaging: `lanes` concurrent sends of
 * `recordsPerSend` 1 KB records each (1 = one record per send, as the sender SDK publishes),
 * and one consumer group member reading the topic.
 */
export async function bareMessagingLoop(
  brokers: readonly string[],
  options: { records: number; recordsPerSend: number; lanes: number; partitions: number },
): Promise<BareLoopResult> {
  const topic = `bench-bare-${randomBytes(4).toString('hex')}`;
  await createTopic(brokers, topic, options.partitions);
  const client = createKafka({ brokers: [...brokers], clientId: 'bench-bare', logger: silentLogger });
  const value = randomBytes(1024);
  let consumed = 0;
  let allConsumed!: () => void;
  const done = new Promise<void>((resolve) => (allConsumed = resolve));
  const consumer = client.consumer({
    groupId: `${topic}-reader`,
    topics: [topic],
    fromBeginning: true,
    provisionTopics: false,
    retryDelaysMs: [],
    partitionsConsumedConcurrently: options.partitions,
    eachBatch: async (records) => {
      consumed += records.length;
      if (consumed >= options.records) allConsumed();
    },
  });
  await consumer.start();
  const producer = client.producer();
  await producer.connect();
  const start = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < options.records) {
      const n = Math.min(options.recordsPerSend, options.records - next);
      const first = next;
      next += n;
      await producer.send(
        topic,
        Array.from({ length: n }, (_, i) => ({ key: String(first + i), value })),
      );
    }
  };
  await Promise.all(Array.from({ length: options.lanes }, lane));
  const producedS = (performance.now() - start) / 1000;
  const timeout = setTimeout(() => allConsumed(), 120_000);
  await done;
  clearTimeout(timeout);
  const endToEndS = (performance.now() - start) / 1000;
  await producer.disconnect();
  await consumer.stop();
  if (consumed < options.records)
    throw new Error(`bare loop: consumed ${consumed} of ${options.records} records in 120 s`);
  return {
    produced: options.records / producedS,
    endToEnd: options.records / endToEndS,
    records: options.records,
  };
}
