import { createAvroCodec, type AppChannelJob } from '@smis/contracts';
import {
  BatchRecordError,
  DecodeError,
  MembershipLostError,
  RetriableError,
  type BatchContext,
  type ConsumedRecord,
} from '@smis/messaging';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeliverJobsCommand } from '../usecases/deliver-jobs/deliver-jobs.command';
import type { DeliverJobsResult, DeliverJobsUseCase } from '../usecases/deliver-jobs/deliver-jobs.usecase';
import { appJobsHandler } from './app-jobs.handler';

const codec = createAvroCodec();
const context: BatchContext = {
  groupId: 'g',
  deliveredFrom: { topic: 'jobs', partition: 0 },
  heartbeat: async () => undefined,
};

async function records(count: number): Promise<ConsumedRecord[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const messageId = randomUUID();
      const job: AppChannelJob = {
        messageId,
        senderId: 's',
        planId: randomUUID(),
        attempt: 1,
        createdAt: 0,
        expiresAt: Date.now() + 60_000,
        recipient: randomBytes(64),
        priority: 'NORMAL',
        envelope: randomBytes(10),
        fallbackAt: null,
      };
      return {
        topic: 'jobs',
        partition: 0,
        offset: String(i),
        key: messageId,
        value: await codec.encode('AppChannelJob', job),
        headers: {},
        timestamp: new Date(),
        attempt: 1,
      };
    }),
  );
}

/** A use case that answers from `answer` and records the message ids of each call. */
function fakeDeliver(answer: (ids: string[]) => DeliverJobsResult | Error): {
  deliver: DeliverJobsUseCase;
  calls: string[][];
} {
  const calls: string[][] = [];
  const deliver = {
    execute: async (command: DeliverJobsCommand) => {
      const ids = command.jobs.map((j) => j.messageId);
      calls.push(ids);
      const result = answer(ids);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as DeliverJobsUseCase;
  return { deliver, calls };
}

async function failure(promise: Promise<void>): Promise<BatchRecordError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BatchRecordError);
  return error as BatchRecordError;
}

describe('app jobs batch handler', () => {
  it('delivers the whole batch in one call', async () => {
    const batch = await records(5);
    const { deliver, calls } = fakeDeliver((ids) => ({ outcomes: ids.map(() => 'dispatched' as const) }));
    await appJobsHandler(codec, deliver)(batch, context);
    expect(calls).toEqual([batch.map((r) => r.key)]);
  });

  it('stops at an undecodable record: the ones before are delivered, it alone fails', async () => {
    const batch = await records(4);
    batch[2] = { ...batch[2], value: randomBytes(30) };
    const { deliver, calls } = fakeDeliver((ids) => ({ outcomes: ids.map(() => 'dispatched' as const) }));
    const error = await failure(appJobsHandler(codec, deliver)(batch, context));
    expect(error.record.offset).toBe('2');
    expect(error.cause).toBeInstanceOf(DecodeError);
    expect(calls).toEqual([[batch[0].key, batch[1].key]]);
  });

  it('names the job the use case refused', async () => {
    const batch = await records(4);
    const refused = new DecodeError('malformed envelope');
    const { deliver } = fakeDeliver(() => ({ outcomes: ['dispatched'], refused }));
    const error = await failure(appJobsHandler(codec, deliver)(batch, context));
    expect(error.record.offset).toBe('1');
    expect(error.cause).toBe(refused);
  });

  it('falls back to one job at a time when the batch fails, so only the job at fault is retried', async () => {
    const batch = await records(4);
    const culprit = batch[2].key as string;
    const { deliver, calls } = fakeDeliver((ids) =>
      ids.length > 1 || ids[0] === culprit ? new Error('value too long') : { outcomes: ['dispatched'] },
    );
    const error = await failure(appJobsHandler(codec, deliver)(batch, context));
    expect(error.record.offset).toBe('2');
    expect(error.cause).toBeInstanceOf(RetriableError);
    expect(calls).toEqual([batch.map((r) => r.key), [batch[0].key], [batch[1].key], [culprit]]);
  });

  it('keeps a programmer error as it is (dead-lettered, not retried)', async () => {
    const batch = await records(1);
    const bug = new TypeError('x is undefined');
    const { deliver } = fakeDeliver(() => bug);
    const error = await failure(appJobsHandler(codec, deliver)(batch, context));
    expect(error.cause).toBe(bug);
  });

  it('on a lost membership resolves nothing and does not fall back', async () => {
    const batch = await records(3);
    const lost = new MembershipLostError('heartbeat: rebalance');
    const { deliver, calls } = fakeDeliver(() => lost);
    const error = await failure(appJobsHandler(codec, deliver)(batch, context));
    expect(error.record.offset).toBe('0');
    expect(error.cause).toBe(lost);
    expect(calls).toHaveLength(1);
  });
});
