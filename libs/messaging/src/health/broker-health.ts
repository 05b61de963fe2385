import type { Kafka } from 'kafkajs';
import { describeError } from '../errors';

/** Whether the brokers answer, shaped like a @nestjs/terminus indicator detail. */
export interface BrokerHealth {
  status: 'up' | 'down';
  /** Brokers in the cluster, as the one that answered sees it. */
  brokers?: number;
  controller?: number | null;
  latencyMs: number;
  error?: string;
}

export interface BrokerHealthOptions {
  /** Answer `down` if the cluster has not answered by then (default 3000 ms). */
  timeoutMs?: number;
}

export const HEALTH_DEFAULTS = Object.freeze({ timeoutMs: 3_000 });

/** Asks the cluster to describe itself, once, without the client's retries. Never rejects. */
export async function checkBrokers(kafka: Kafka, options: BrokerHealthOptions = {}): Promise<BrokerHealth> {
  const timeoutMs = options.timeoutMs ?? HEALTH_DEFAULTS.timeoutMs;
  const startedAt = Date.now();
  const admin = kafka.admin({ retry: { retries: 0 } });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const cluster = await Promise.race([admin.connect().then(() => admin.describeCluster()), timeout]);
    return {
      status: 'up',
      brokers: cluster.brokers.length,
      controller: cluster.controller,
      latencyMs: Date.now() - startedAt,
    };
  } catch (error) {
    return { status: 'down', error: describeError(error), latencyMs: Date.now() - startedAt };
  } finally {
    clearTimeout(timer);
    void admin.disconnect().catch(() => undefined);
  }
}
