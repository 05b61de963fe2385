import {
  createKafka,
  DEAD_LETTER_HEADERS,
  silentLogger,
  TopicRecorder,
  type KafkaClient,
} from '@smis/messaging';
import { testKafkaBrokers, uniqueName } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli';
import { EXIT } from '../exit-codes';
import { REPLAYED_FROM_HEADER } from './replay-dlq-command';

describe('smis admin replay-dlq (real broker)', () => {
  let client: KafkaClient;
  const source = uniqueName('replay-source');
  const dlq = `${source}.dlq`;
  const env = (): NodeJS.ProcessEnv => ({ KAFKA_BROKERS: testKafkaBrokers().join(',') });

  const smis = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      env: env(),
      io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    });
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    client = createKafka({
      brokers: testKafkaBrokers(),
      clientId: uniqueName('replay-test'),
      logger: silentLogger,
    });
    const admin = client.admin();
    await admin.ensureTopics([
      { topic: source, numPartitions: 2, replicationFactor: 1 },
      { topic: dlq, numPartitions: 2, replicationFactor: 1 },
    ]);
    await admin.disconnect();
    const producer = client.producer();
    const deadLetter = (key: string, error: string, partition: number) => ({
      key,
      partition,
      value: Buffer.from(`value of ${key}`),
      headers: {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        [DEAD_LETTER_HEADERS.error]: error,
        [DEAD_LETTER_HEADERS.reason]: `could not handle ${key} for jan@example.be`,
        [DEAD_LETTER_HEADERS.sourceTopic]: source,
      },
    });
    await producer.send(dlq, [
      deadLetter('m-1', 'DecodeError', 0),
      deadLetter('m-2', 'DecodeError', 1),
      deadLetter('m-3', 'NonRetriableError', 1),
    ]);
    await producer.disconnect();
  });

  afterAll(() => client.admin().disconnect());

  it('lists what it would replay without publishing or remembering anything', async () => {
    const dry = await smis('admin', 'replay-dlq', source, '--dry-run');
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stdout).toContain(`3 records in ${dlq} would be replayed to ${source} (`);
    expect(dry.stdout).toContain('DecodeError: could not handle m-1 for [email]');
    expect((await client.admin().fetchTopicOffsets(source)).map((p) => p.high)).toEqual(['0', '0']);
  });

  it('publishes each dead letter to its topic once, without the dead-letter headers', async () => {
    const recorder = await TopicRecorder.start(client, { topic: source });
    const replay = await smis('admin', 'replay-dlq', source);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(EXIT.ok);
    expect(replay.stdout).toMatch(/^Replayed 3 records from .*\(DecodeError: 2, NonRetriableError: 1\)/);
    const records = await recorder.waitForCount(3);
    await recorder.stop();
    expect(records.map((r) => r.key).sort()).toEqual(['m-1', 'm-2', 'm-3']);
    for (const record of records) {
      expect(record.value?.toString()).toBe(`value of ${record.key}`);
      expect(record.headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
      expect(record.headers[REPLAYED_FROM_HEADER]).toMatch(
        new RegExp(`^${dlq.replace(/\./g, '\\.')}:[01]:\\d+$`),
      );
      expect(
        Object.keys(record.headers).filter(
          (h) => h.startsWith('smis-dlq-') || h === DEAD_LETTER_HEADERS.sourceTopic,
        ),
      ).toEqual([]);
    }

    const again = await smis('admin', 'replay-dlq', source);
    expect(again).toMatchObject({ code: EXIT.ok, stdout: expect.stringMatching(/^Nothing to replay/) });
    expect((await client.admin().fetchTopicOffsets(source)).reduce((sum, p) => sum + Number(p.high), 0)).toBe(
      3,
    );
  });

  it('refuses a dead-letter topic or an unknown topic as the source', async () => {
    expect((await smis('admin', 'replay-dlq', dlq)).code).toBe(EXIT.usage);
    const unknown = await smis('admin', 'replay-dlq', uniqueName('nothing'));
    expect(unknown.code).toBe(EXIT.failure);
    expect(unknown.stderr).toMatch(/does not exist/);
  });
});
