import { isDecodeError, type AppChannelJob, type AvroCodec } from '@smis/contracts';
import {
  DecodeError,
  describeError,
  isProgrammerError,
  MessagingError,
  RetriableError,
  type MessageHandler,
} from '@smis/messaging';
import { DeliverJobCommand } from '../usecases/deliver-job/deliver-job.command';
import type { DeliverJobUseCase } from '../usecases/deliver-job/deliver-job.usecase';

/** The `smis.channel.app.v1` consumer: decode, deliver. Undecodable jobs go to the DLQ; the rest is retried. */
export function appJobsHandler(codec: AvroCodec, deliver: DeliverJobUseCase): MessageHandler {
  return async (record) => {
    const where = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (record.value === null)
      throw new DecodeError('An app channel job without a value cannot be delivered', where);
    let job: AppChannelJob;
    try {
      job = await codec.decode('AppChannelJob', record.value);
    } catch (error) {
      if (isDecodeError(error))
        throw new DecodeError(`Undecodable app channel job: ${describeError(error)}`, {
          ...where,
          cause: error,
        });
      throw new RetriableError(`Could not decode the app channel job: ${describeError(error)}`, {
        ...where,
        cause: error,
      });
    }
    try {
      await deliver.execute(DeliverJobCommand.create(job));
    } catch (error) {
      if (error instanceof MessagingError || isProgrammerError(error)) throw error;
      throw new RetriableError(`Could not deliver job ${job.messageId}: ${describeError(error)}`, {
        ...where,
        cause: error,
      });
    }
  };
}
