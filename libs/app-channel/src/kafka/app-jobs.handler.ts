import { Logger } from '@nestjs/common';
import { isDecodeError, type AppChannelJob, type AvroCodec } from '@smis/contracts';
import {
  BatchRecordError,
  DecodeError,
  describeError,
  isProgrammerError,
  MessagingError,
  RetriableError,
  type BatchContext,
  type BatchHandler,
  type ConsumedRecord,
} from '@smis/messaging';
import { isMembershipLost } from './membership';
import { DeliverJobsCommand } from '../usecases/deliver-jobs/deliver-jobs.command';
import type { DeliverJobsResult, DeliverJobsUseCase } from '../usecases/deliver-jobs/deliver-jobs.usecase';

const logger = new Logger('AppChannel');

/**
 * The `smis.channel.app.v1` consumer, a fetched batch at a time: decode the jobs, deliver them
 * together (one decryption call, one filing transaction, pushes in parallel, one events
 * transaction). A job that cannot be decoded or is refused for its content stops the batch
 * there: the jobs before it are done, it goes to the DLQ alone (`BatchRecordError`), the consumer
 * hands the rest again. When the batched delivery fails, the jobs are delivered one by one so
 * the one at fault alone is retried or dead-lettered; delivery is idempotent by messageId.
 */
export function appJobsHandler(codec: AvroCodec, deliver: DeliverJobsUseCase): BatchHandler {
  return async (records, context) => {
    const jobs: AppChannelJob[] = [];
    let undecodable: { record: ConsumedRecord; error: MessagingError } | undefined;
    for (const record of records) {
      try {
        jobs.push(await decodeJob(codec, record));
      } catch (error) {
        undecodable = { record, error: error as MessagingError };
        break;
      }
    }
    if (jobs.length > 0) {
      const result = await deliverBatch(deliver, jobs, records, context);
      if (result.refused) throw new BatchRecordError(where(records[result.outcomes.length]), result.refused);
    }
    if (undecodable) throw new BatchRecordError(where(undecodable.record), undecodable.error);
  };
}

async function decodeJob(codec: AvroCodec, record: ConsumedRecord): Promise<AppChannelJob> {
  if (record.value === null)
    throw new DecodeError('An app channel job without a value cannot be delivered', where(record));
  try {
    return await codec.decode('AppChannelJob', record.value);
  } catch (error) {
    if (isDecodeError(error))
      throw new DecodeError(`Undecodable app channel job: ${describeError(error)}`, {
        ...where(record),
        cause: error,
      });
    throw new RetriableError(`Could not decode the app channel job: ${describeError(error)}`, {
      ...where(record),
      cause: error,
    });
  }
}

/** `jobs` are the decoded `records[0 .. jobs.length)`. */
async function deliverBatch(
  deliver: DeliverJobsUseCase,
  jobs: readonly AppChannelJob[],
  records: readonly ConsumedRecord[],
  context: BatchContext,
): Promise<DeliverJobsResult> {
  try {
    return await deliver.execute(DeliverJobsCommand.create(jobs, context.heartbeat));
  } catch (error) {
    // Out of the group: the new owner takes the batch (nothing is resolved).
    if (isMembershipLost(error) || jobs.length === 1)
      throw new BatchRecordError(where(records[0]), classify(error, jobs[0], records[0]));
    logger.warn(
      `A batch of ${jobs.length} app channel jobs failed (${describeError(error)}); delivering them one by one`,
    );
  }
  const outcomes: DeliverJobsResult['outcomes'] = [];
  for (const [i, job] of jobs.entries()) {
    let result: DeliverJobsResult;
    try {
      result = await deliver.execute(DeliverJobsCommand.create([job], context.heartbeat));
    } catch (error) {
      throw new BatchRecordError(where(records[i]), classify(error, job, records[i]));
    }
    if (result.refused) return { outcomes, refused: result.refused };
    outcomes.push(...result.outcomes);
  }
  return { outcomes };
}

/** Messaging and programmer errors keep their verdict; anything else (database, network) is retried. */
function classify(error: unknown, job: AppChannelJob, record: ConsumedRecord): unknown {
  if (error instanceof MessagingError || isProgrammerError(error)) return error;
  return new RetriableError(`Could not deliver job ${job.messageId}: ${describeError(error)}`, {
    ...where(record),
    cause: error,
  });
}

function where(record: ConsumedRecord): { topic: string; partition: number; offset: string } {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}
