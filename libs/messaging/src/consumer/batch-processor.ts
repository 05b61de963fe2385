import { BatchRecordError, describeError, errorName, MembershipLostError, RetriableError } from '../errors';
import type { MessagingLogger } from '../logger';
import type { OutgoingRecord } from '../producer/message-producer';
import {
  toDelivery,
  type BatchHandler,
  type ClientMessage,
  type Delivery,
  type MessageHandler,
} from './consumed-record';
import type { ConsumerEventHub } from './consumer-events';
import { routeFailure, type FailurePolicy } from './failure-policy';
import type { ResumeScheduler } from './resume-scheduler';
import type { TopicRole } from './topic-names';

/** The records fetched from one partition. */
export interface FetchedBatch {
  topic: string;
  partition: number;
  messages: readonly ClientMessage[];
}

/** What the Kafka client lets a batch handler do (a subset of its eachBatch payload). */
export interface BatchControls {
  /** Marks an offset processed: committed with the next commit. */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** Stops fetching this partition; returns the function that resumes it. */
  pause(): () => void;
  isRunning(): boolean;
  /** True when the partition was re-positioned (seek, rebalance): the rest of the batch is void. */
  isStale(): boolean;
  commitOffsetsIfNecessary(): Promise<void>;
}

export type HandlerMode = { eachMessage: MessageHandler } | { eachBatch: BatchHandler };

export interface BatchProcessorDependencies {
  groupId: string;
  roles: ReadonlyMap<string, TopicRole>;
  handler: HandlerMode;
  policy: FailurePolicy;
  publish(topic: string, record: OutgoingRecord): Promise<void>;
  events: ConsumerEventHub;
  scheduler: ResumeScheduler;
  logger: MessagingLogger;
  now(): number;
  /** True once `stop()` was called: the record in hand is finished, no further one is started. */
  isStopping(): boolean;
}

/**
 * Processes one fetched batch: hands due records to the handler, routes failures to a retry or
 * dead-letter topic, resolves the offset of every record it is done with (handled, retried or
 * dead-lettered) and nothing else, and pauses a retry partition whose next record is not due.
 */
export function createBatchProcessor(
  deps: BatchProcessorDependencies,
): (batch: FetchedBatch, controls: BatchControls) => Promise<void> {
  const { groupId, handler, events, logger } = deps;

  const fail = async (delivery: Delivery, error: unknown): Promise<void> => {
    const { record } = delivery;
    const route = routeFailure(delivery, error, deps.policy, deps.now());
    try {
      await deps.publish(route.topic, {
        key: delivery.original.key,
        value: delivery.original.value,
        headers: route.headers,
      });
    } catch (publishError) {
      // Not resolved, so it is fetched and handled again: a record is never dropped.
      throw new RetriableError(
        `Could not move ${record.topic}[${record.partition}]@${record.offset} to ${route.topic}: ${describeError(publishError)}`,
        {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          cause: publishError,
        },
      );
    }
    const where = {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      attempt: record.attempt,
      error: errorName(error),
    };
    if (route.kind === 'retry') {
      logger.info(`Handler failed; retrying from ${route.topic}`, {
        ...where,
        dueAt: new Date(route.dueAt).toISOString(),
      });
      events.emit('retried', {
        groupId,
        record,
        error,
        retryTopic: route.topic,
        nextAttempt: route.nextAttempt,
        dueAt: new Date(route.dueAt),
      });
    } else {
      logger.warn(`Handler failed; record dead-lettered to ${route.topic}`, where);
      events.emit('deadLettered', {
        groupId,
        record,
        error,
        deadLetterTopic: route.topic,
        attempts: route.attempts,
      });
    }
  };

  const processed = (delivery: Delivery, startedAt: number): void =>
    events.emit('processed', { groupId, record: delivery.record, durationMs: deps.now() - startedAt });

  const interrupted = (controls: BatchControls): boolean =>
    deps.isStopping() || !controls.isRunning() || controls.isStale();

  /** Returns false when interrupted (stop, rebalance) before the end. */
  const eachMessage = async (
    onMessage: MessageHandler,
    due: readonly Delivery[],
    controls: BatchControls,
  ): Promise<boolean> => {
    for (const delivery of due) {
      if (interrupted(controls)) return false;
      const startedAt = deps.now();
      try {
        await onMessage(delivery.record, {
          groupId,
          deliveredFrom: delivery.deliveredFrom,
          heartbeat: () => heartbeatOrLost(controls),
        });
        processed(delivery, startedAt);
      } catch (error) {
        // Out of the group: the record is the new owner's, not a failure.
        if (error instanceof MembershipLostError) return false;
        await fail(delivery, error);
      }
      controls.resolveOffset(delivery.deliveredFrom.offset);
      await controls.commitOffsetsIfNecessary();
      await controls.heartbeat();
    }
    return true;
  };

  const eachBatch = async (
    onBatch: BatchHandler,
    due: readonly Delivery[],
    batch: FetchedBatch,
    controls: BatchControls,
  ): Promise<boolean> => {
    let remaining = due;
    while (remaining.length > 0) {
      if (interrupted(controls)) return false;
      const startedAt = deps.now();
      let done = remaining;
      try {
        await onBatch(
          remaining.map((d) => d.record),
          {
            groupId,
            deliveredFrom: { topic: batch.topic, partition: batch.partition },
            heartbeat: () => heartbeatOrLost(controls),
          },
        );
        remaining.forEach((d) => processed(d, startedAt));
      } catch (error) {
        const failedAt =
          error instanceof BatchRecordError
            ? remaining.findIndex((d) => d.record === error.record || sameRecord(d, error.record))
            : -1;
        const cause = error instanceof BatchRecordError ? error.cause : error;
        if (cause instanceof MembershipLostError) {
          // The partition moved to another member: keep what was done before the failing
          // record, and let the new owner take that record and the rest (handlers are idempotent).
          const kept = failedAt > 0 ? remaining.slice(0, failedAt) : [];
          kept.forEach((d) => processed(d, startedAt));
          if (kept.length > 0) controls.resolveOffset(kept[kept.length - 1].deliveredFrom.offset);
          logger.warn('Lost group membership mid-batch; the rest of the batch goes to the new owner', {
            groupId,
            topic: batch.topic,
            partition: batch.partition,
          });
          return false;
        }
        if (failedAt === -1) {
          for (const delivery of remaining) {
            await fail(delivery, error);
            controls.resolveOffset(delivery.deliveredFrom.offset);
          }
        } else {
          remaining.slice(0, failedAt).forEach((d) => processed(d, startedAt));
          await fail(remaining[failedAt], (error as BatchRecordError).cause);
          done = remaining.slice(0, failedAt + 1);
        }
      }
      controls.resolveOffset(done[done.length - 1].deliveredFrom.offset);
      remaining = remaining.slice(done.length);
      await controls.commitOffsetsIfNecessary();
      await controls.heartbeat();
    }
    return true;
  };

  return async (batch, controls) => {
    const role = deps.roles.get(batch.topic);
    if (!role) {
      logger.error('Fetched a batch from a topic this consumer did not subscribe to; skipped', {
        topic: batch.topic,
      });
      return;
    }
    const deliveries = batch.messages.map((message) =>
      toDelivery(message, batch, role, deps.policy.retryDelaysMs),
    );
    const now = deps.now();
    const firstNotDue = deliveries.findIndex((d) => d.dueAt !== undefined && d.dueAt > now);
    const due = firstNotDue === -1 ? deliveries : deliveries.slice(0, firstNotDue);

    const completed =
      'eachMessage' in handler
        ? await eachMessage(handler.eachMessage, due, controls)
        : await eachBatch(handler.eachBatch, due, batch, controls);

    if (completed && firstNotDue !== -1 && !interrupted(controls)) {
      const dueAt = deliveries[firstNotDue].dueAt ?? now;
      const resume = controls.pause();
      deps.scheduler.resumeAt(`${batch.topic}|${batch.partition}`, dueAt, resume);
    }
  };
}

function sameRecord(
  delivery: Delivery,
  record: { topic: string; partition: number; offset: string },
): boolean {
  const mine = delivery.record;
  return mine.topic === record.topic && mine.partition === record.partition && mine.offset === record.offset;
}

/** A handler's heartbeat: a membership error from the client becomes a `MembershipLostError`. */
async function heartbeatOrLost(controls: { heartbeat(): Promise<void> }): Promise<void> {
  try {
    await controls.heartbeat();
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'UNKNOWN_MEMBER_ID' || type === 'REBALANCE_IN_PROGRESS' || type === 'ILLEGAL_GENERATION') {
      throw new MembershipLostError(`heartbeat: ${describeError(error)}`, { cause: error });
    }
    throw error;
  }
}
