import { Logger } from '@nestjs/common';
import type { AvroCodec, MessageRequest } from '@smis/contracts';
import {
  BatchRecordError,
  DecodeError,
  describeError,
  MembershipLostError,
  NonRetriableError,
  RetriableError,
  type BatchContext,
  type BatchHandler,
  type ConsumedRecord,
  type MessageHandler,
} from '@smis/messaging';
import type { BatchOutcome, EncryptedPseudonym, PseudonymDomain } from '@smis/pseudonym';
import type { Sender } from '@smis/senders';
import { REASONS } from '../domain/reasons';
import { polymorphicFromWire } from '../domain/wire';
import type { RouterPorts } from '../ports';
import { AcceptRequestCommand, type AcceptOutcome } from '../usecases/accept-requests/accept-request.command';
import { domainsFor, type AcceptRequestUseCase } from '../usecases/accept-requests/accept-request.usecase';
import type { RejectUnverifiedUseCase } from '../usecases/accept-requests/reject-unverified.usecase';
import { verifyRequest } from '../usecases/accept-requests/verify-request';
import { ApplyDeliveryEventCommand } from '../usecases/apply-delivery-event/apply-delivery-event.command';
import type { ApplyDeliveryEventUseCase } from '../usecases/apply-delivery-event/apply-delivery-event.usecase';
import { ApplyPreferenceCommand } from '../usecases/apply-preference/apply-preference.command';
import type { ApplyPreferenceUseCase } from '../usecases/apply-preference/apply-preference.usecase';
import { retriableIfTransient } from './errors';

const logger = new Logger('Router');

/** Requests decided in one transaction at most (a fetched batch can hold thousands). */
export const REQUESTS_PER_TRANSACTION = 200;

interface Intake {
  record: ConsumedRecord;
  request?: MessageRequest;
  sender?: Sender;
  /** Why the request is refused before any policy: its record also goes to the DLQ. */
  refusal?: { reason: string; senderId: string; decodeError?: unknown };
  recipients: Partial<Record<PseudonymDomain, BatchOutcome<EncryptedPseudonym>>>;
}

/**
 * smis.requests.v1, a batch at a time: decode and authenticate every request, transcrypt the
 * recipients of the authenticated ones in one call per domain, then decide each in order.
 */
export function requestsHandler(deps: {
  codec: AvroCodec;
  ports: RouterPorts;
  accept: Pick<AcceptRequestUseCase, 'executeBatch'>;
  rejectUnverified: RejectUnverifiedUseCase;
  /** Requests decided in one transaction at most. */
  requestsPerTransaction?: number;
}): BatchHandler {
  const perTransaction = deps.requestsPerTransaction ?? REQUESTS_PER_TRANSACTION;
  return async (records, context) => {
    const intakes: Intake[] = [];
    for (const record of records) {
      const intake: Intake = { record, recipients: {} };
      try {
        if (!record.value) throw new DecodeError('a message request cannot be a tombstone');
        intake.request = await deps.codec.decode('MessageRequest', record.value);
      } catch (error) {
        intake.refusal = { reason: REASONS.malformed, senderId: 'unknown', decodeError: error };
      }
      if (intake.request) {
        const verification = verifyRequest(intake.request, deps.ports.senders);
        if (verification.ok) intake.sender = verification.sender;
        else intake.refusal = { reason: verification.reason, senderId: intake.request.senderId };
      }
      intakes.push(intake);
    }

    await transcryptBatch(
      deps.ports,
      intakes.filter((i) => i.sender),
    );

    let next = 0;
    while (next < intakes.length) {
      if (next > 0) await heartbeatBefore(intakes[next].record, context);
      const intake = intakes[next];
      if (intake.refusal) {
        await refuse(deps, intake);
        return; // refuse() throws; the records after this one are handed in again
      }
      const run: Intake[] = [];
      for (let i = next; i < intakes.length && !intakes[i].refusal && run.length < perTransaction; i++) {
        run.push(intakes[i]);
      }
      next += await decideRun(deps.accept, run);
    }
  };
}

/** A request refused before any policy: REJECTED with the reason, and the record dead-lettered. */
async function refuse(deps: { rejectUnverified: RejectUnverifiedUseCase }, intake: Intake): Promise<never> {
  const { record } = intake;
  const refusal = intake.refusal as NonNullable<Intake['refusal']>;
  try {
    await deps.rejectUnverified.execute({
      messageId: intake.request?.messageId ?? record.key,
      senderId: refusal.senderId,
      reason: refusal.reason,
    });
  } catch (error) {
    throw recordFailure(record, error);
  }
  logger.warn(`Request ${coordinates(record)} refused: ${refusal.reason}`);
  throw new BatchRecordError(
    coordinatesOf(record),
    refusal.decodeError
      ? new DecodeError(`${refusal.reason}: ${describeError(refusal.decodeError)}`)
      : new NonRetriableError(`${refusal.reason}: the request was not accepted as the sender's`),
  );
}

/**
 * Decides a run of authenticated requests in one transaction and returns how many it decided.
 * When the transaction fails, decides them one per transaction, so that only the request that
 * fails on its own is retried or dead-lettered. A decision that dead-letters its record (expired,
 * future-dated) ends the run there.
 */
async function decideRun(
  accept: Pick<AcceptRequestUseCase, 'executeBatch'>,
  run: readonly Intake[],
): Promise<number> {
  const commands = run.map((i) =>
    AcceptRequestCommand.create(i.request as MessageRequest, i.sender as Sender, i.recipients),
  );
  let outcomes: AcceptOutcome[] | undefined;
  try {
    outcomes = await accept.executeBatch(commands);
  } catch (error) {
    if (run.length === 1) throw recordFailure(run[0].record, error);
    logger.warn(
      `A transaction of ${run.length} requests from ${coordinates(run[0].record)} failed; deciding them one at a time: ${describeError(error)}`,
    );
  }
  if (outcomes) {
    const last = outcomes[outcomes.length - 1];
    if (last?.deadLetter) throw deadLettered(run[outcomes.length - 1], last.deadLetter);
    return outcomes.length;
  }
  for (const [index, intake] of run.entries()) {
    let outcome: AcceptOutcome;
    try {
      [outcome] = await accept.executeBatch([commands[index]]);
    } catch (error) {
      throw recordFailure(intake.record, error);
    }
    if (outcome.deadLetter) throw deadLettered(intake, outcome.deadLetter);
  }
  return run.length;
}

function deadLettered(intake: Intake, reason: string): BatchRecordError {
  return new BatchRecordError(
    coordinatesOf(intake.record),
    new NonRetriableError(`${reason}: message ${(intake.request as MessageRequest).messageId} was rejected`),
  );
}

async function transcryptBatch(ports: RouterPorts, intakes: Intake[]): Promise<void> {
  const byDomain = new Map<PseudonymDomain, Intake[]>();
  for (const intake of intakes) {
    for (const domain of domainsFor(intake.request as MessageRequest)) {
      byDomain.set(domain, [...(byDomain.get(domain) ?? []), intake]);
    }
  }
  try {
    await Promise.all(
      [...byDomain].map(async ([domain, items]) => {
        const outcomes = await ports.transcryption.transcrypt(
          items.map((i) => polymorphicFromWire((i.request as MessageRequest).recipient)),
          domain,
        );
        items.forEach((item, index) => (item.recipients[domain] = outcomes[index]));
      }),
    );
  } catch (error) {
    throw new RetriableError(`transcryption failed: ${describeError(error)}`, { cause: error });
  }
}

/** Events applied in one transaction at most (a fetched batch can hold thousands). */
export const EVENTS_PER_TRANSACTION = 200;

interface DecodedEvent {
  record: ConsumedRecord;
  command: ApplyDeliveryEventCommand;
}

/**
 * smis.events.v1: plan progress from the channels, a fetched batch at a time. The records are
 * decoded in order and applied up to `EVENTS_PER_TRANSACTION` per transaction. A record that
 * cannot be decoded ends the run before it (what precedes it is applied first) and is named in a
 * `BatchRecordError`, so it alone is dead-lettered and the consumer hands over the rest. When a
 * transaction fails, its events are applied again one per transaction, so that only the event
 * that fails on its own is retried or dead-lettered and the ones before it are kept.
 */
export function eventsHandler(deps: {
  codec: AvroCodec;
  apply: Pick<ApplyDeliveryEventUseCase, 'execute' | 'executeBatch'>;
  eventsPerTransaction?: number;
}): BatchHandler {
  const perTransaction = deps.eventsPerTransaction ?? EVENTS_PER_TRANSACTION;
  return async (records, context) => {
    let start = 0;
    while (start < records.length) {
      if (start > 0) await heartbeatBefore(records[start], context);
      const chunk: DecodedEvent[] = [];
      let undecodable: { record: ConsumedRecord; error: unknown } | undefined;
      for (let i = start; i < records.length && chunk.length < perTransaction; i++) {
        const record = records[i];
        try {
          chunk.push({ record, command: await decodeEvent(deps.codec, record) });
        } catch (error) {
          undecodable = { record, error };
          break;
        }
      }
      if (chunk.length > 0) await applyEvents(deps.apply, chunk);
      if (undecodable) {
        logger.warn(
          `Event ${coordinates(undecodable.record)} cannot be applied: ${describeError(undecodable.error)}`,
        );
        throw new BatchRecordError(coordinatesOf(undecodable.record), undecodable.error);
      }
      start += chunk.length;
    }
  };
}

async function decodeEvent(codec: AvroCodec, record: ConsumedRecord): Promise<ApplyDeliveryEventCommand> {
  if (!record.value) throw new DecodeError('a delivery event cannot be a tombstone');
  const event = await codec.decode('DeliveryEvent', record.value);
  try {
    return ApplyDeliveryEventCommand.create(event);
  } catch (error) {
    throw new NonRetriableError(describeError(error), { cause: error });
  }
}

async function applyEvents(
  apply: Pick<ApplyDeliveryEventUseCase, 'execute' | 'executeBatch'>,
  chunk: readonly DecodedEvent[],
): Promise<void> {
  try {
    await apply.executeBatch(chunk.map((c) => c.command));
    return;
  } catch (error) {
    if (chunk.length === 1) throw recordFailure(chunk[0].record, error);
    logger.warn(
      `A transaction of ${chunk.length} events from ${coordinates(chunk[0].record)} failed; applying them one at a time: ${describeError(error)}`,
    );
  }
  for (const { record, command } of chunk) {
    try {
      await apply.execute(command);
    } catch (error) {
      throw recordFailure(record, error);
    }
  }
}

function recordFailure(record: ConsumedRecord, error: unknown): BatchRecordError {
  const classified = retriableIfTransient(error);
  logger.warn(
    `Record ${coordinates(record)} failed${classified !== error ? ' (will be retried)' : ''}: ${describeError(error)}`,
  );
  return new BatchRecordError(coordinatesOf(record), classified);
}

/** Between transactions: out of the group, the rest (from `next`) is left to the new owner. */
async function heartbeatBefore(next: ConsumedRecord, context: BatchContext): Promise<void> {
  try {
    await context.heartbeat();
  } catch (error) {
    // The batch processor recognizes a lost membership as the cause and leaves the rest alone.
    if (error instanceof MembershipLostError) throw new BatchRecordError(coordinatesOf(next), error);
    logger.warn(`Heartbeat failed: ${describeError(error)}`);
  }
}

function coordinatesOf(record: ConsumedRecord): { topic: string; partition: number; offset: string } {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}

function coordinates(record: ConsumedRecord): string {
  return `${record.topic}[${record.partition}]@${record.offset}`;
}

/** smis.preferences.v1 (compacted): citizens' preferences. */
export function preferencesHandler(deps: {
  codec: AvroCodec;
  apply: ApplyPreferenceUseCase;
}): MessageHandler {
  return async (record) => {
    const update = record.value ? await deps.codec.decode('PreferenceUpdate', record.value) : null;
    try {
      await deps.apply.execute(ApplyPreferenceCommand.create(record.key, update));
    } catch (error) {
      throw retriableIfTransient(error);
    }
  };
}
