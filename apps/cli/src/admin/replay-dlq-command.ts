import { randomUUID } from 'node:crypto';
import {
  createKafka,
  DEAD_LETTER_HEADERS,
  deadLetterTopicName,
  MessageProducer,
  NonRetriableError,
  silentLogger,
  type ConsumedRecord,
  type KafkaClient,
  type OutgoingRecord,
  type PublishedBatch,
} from '@smis/messaging';
import { scrubText } from '@smis/observability';
import { EXIT, type ExitCode } from '../exit-codes';
import { CliError, type CliIo } from '../io';
import {
  clusterAccess,
  kafkaConnection,
  type ClusterAccess,
  type ConnectionFlags,
} from '../kafka/connection-options';

export interface ReplayFlags extends ConnectionFlags {
  dryRun?: boolean;
  group?: string;
  timeoutMs?: number;
}

export interface ReplayDependencies {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  createClient?: (access: ClusterAccess) => KafkaClient;
}

/** Header a replayed record carries: where in the dead-letter topic it came from. */
export const REPLAYED_FROM_HEADER = 'smis-replayed-from';

const DLQ_HEADER_NAMES = new Set<string>(Object.values(DEAD_LETTER_HEADERS));

/**
 * Publishes only to the source topic. The consumer reading the dead-letter topic would send a
 * record it failed on to `<topic>.dlq.dlq`; refusing that leaves the record unresolved, so it is
 * neither committed nor lost, and the next replay takes it again.
 */
class SourceOnlyProducer extends MessageProducer {
  constructor(
    private readonly inner: MessageProducer,
    private readonly source: string,
  ) {
    super();
  }
  override connect(): Promise<void> {
    return this.inner.connect();
  }
  override send(topic: string, records: readonly OutgoingRecord[]): Promise<PublishedBatch[]> {
    if (topic !== this.source)
      return Promise.reject(new NonRetriableError(`Replay publishes to ${this.source} only, not ${topic}`));
    return this.inner.send(topic, records);
  }
  override disconnect(): Promise<void> {
    return this.inner.disconnect();
  }
}

function describeRecord(record: ConsumedRecord, from: { partition: number; offset: string }): string {
  const error = record.headers[DEAD_LETTER_HEADERS.error] ?? 'unknown error';
  const reason = scrubText(record.headers[DEAD_LETTER_HEADERS.reason] ?? '').slice(0, 200);
  return `  ${from.partition}/${from.offset} ${error}: ${reason}`;
}

/**
 * `smis admin replay-dlq <topic>`: publishes the records of `<topic>.dlq` to `<topic>` again,
 * without their dead-letter headers and with `smis-replayed-from`. Progress is committed in a
 * consumer group (default `smis-dlq-replay.<topic>`), so running it twice replays nothing twice.
 * Only what the dead-letter topic held when the command started is replayed.
 */
export async function runReplayDeadLetters(
  source: string,
  flags: ReplayFlags,
  deps: ReplayDependencies,
): Promise<ExitCode> {
  const { io, env } = deps;
  if (source.endsWith('.dlq'))
    throw new CliError(
      `Give the source topic, not the dead-letter topic (${source.slice(0, -4)})`,
      EXIT.usage,
    );
  const dlq = deadLetterTopicName(source);
  const access = clusterAccess(flags, env);
  const client =
    deps.createClient?.(access) ??
    createKafka({ ...kafkaConnection(access, 'smis-cli'), logger: silentLogger });
  const admin = client.admin();
  const groupId = flags.dryRun
    ? `smis-dlq-inspect-${randomUUID()}`
    : (flags.group ?? `smis-dlq-replay.${source}`);
  try {
    const topics = new Set(await admin.listTopics());
    for (const topic of [source, dlq])
      if (!topics.has(topic)) throw new CliError(`Topic ${topic} does not exist`, EXIT.failure);
    const ends = new Map((await admin.fetchTopicOffsets(dlq)).map((p) => [p.partition, BigInt(p.high)]));
    const committed = new Map(
      (await admin.committedOffsets(groupId, dlq)).map((c) => [c.partition, BigInt(c.offset)]),
    );
    const pending = new Set(
      [...ends].filter(([partition, end]) => (committed.get(partition) ?? 0n) < end).map(([p]) => p),
    );
    if (pending.size === 0) {
      io.stdout(`Nothing to replay: ${dlq} has no records that ${groupId} has not replayed.\n`);
      return EXIT.ok;
    }

    const producer = new SourceOnlyProducer(client.producer(), source);
    const byError = new Map<string, number>();
    let failure: unknown;
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const consumer = client.consumer({
      groupId,
      topics: [dlq],
      fromBeginning: true,
      retryDelaysMs: [],
      provisionTopics: false,
      producer,
      eachMessage: async (record, context) => {
        const { partition, offset } = context.deliveredFrom;
        // Records that arrive after the start are replayed too; the command stops at the start's end.
        const end = ends.get(partition) ?? 0n;
        const error = record.headers[DEAD_LETTER_HEADERS.error] ?? 'unknown error';
        if (flags.dryRun) {
          io.stdout(`${describeRecord(record, { partition, offset })}\n`);
        } else {
          const headers = Object.fromEntries(
            Object.entries(record.headers).filter(([name]) => !DLQ_HEADER_NAMES.has(name)),
          );
          try {
            await producer.send(source, [
              {
                key: record.key,
                value: record.value,
                headers: { ...headers, [REPLAYED_FROM_HEADER]: `${dlq}:${partition}:${offset}` },
              },
            ]);
          } catch (sendError) {
            failure ??= sendError;
            settle();
            throw sendError;
          }
        }
        byError.set(error, (byError.get(error) ?? 0) + 1);
        if (BigInt(offset) >= end - 1n) pending.delete(partition);
        if (pending.size === 0) settle();
      },
    });
    const timeoutMs = flags.timeoutMs ?? 300_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.start();
      await Promise.race([
        settled,
        new Promise<void>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new CliError(
                  `Replay did not reach the end of ${dlq} within ${timeoutMs / 1000} s; run it again to continue`,
                  EXIT.failure,
                ),
              ),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await consumer.stop();
      await producer.disconnect();
      if (flags.dryRun) await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    if (failure)
      throw new CliError(
        `Replay stopped: could not publish to ${source}: ${(failure as Error).message}`,
        EXIT.failure,
      );
    const total = [...byError.values()].reduce((a, b) => a + b, 0);
    const counts = [...byError].map(([error, n]) => `${error}: ${n}`).join(', ');
    io.stdout(
      flags.dryRun
        ? `${total} records in ${dlq} would be replayed to ${source} (${counts}).\n`
        : `Replayed ${total} records from ${dlq} to ${source} (${counts}); progress kept in group ${groupId}.\n`,
    );
    return EXIT.ok;
  } finally {
    await admin.disconnect();
  }
}
