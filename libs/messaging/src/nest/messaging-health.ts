import { Injectable } from '@nestjs/common';
import { KafkaClient } from '../client/kafka-client';
import type { BrokerHealth, BrokerHealthOptions } from '../health/broker-health';

/** `{ [key]: { status: 'up' | 'down', ... } }`: the shape @nestjs/terminus indicators return. */
export type KafkaHealthResult<K extends string = 'kafka'> = Record<K, BrokerHealth>;

/** Health indicator function for `/health`: whether the brokers answer. Never rejects. */
export async function checkKafkaHealth<K extends string = 'kafka'>(
  client: KafkaClient,
  options: BrokerHealthOptions & { key?: K } = {},
): Promise<KafkaHealthResult<K>> {
  const key = (options.key ?? 'kafka') as K;
  return { [key]: await client.checkHealth(options) } as KafkaHealthResult<K>;
}

/** Injectable form of `checkKafkaHealth`, for a terminus `HealthCheckService.check([...])`. */
@Injectable()
export class MessagingHealthIndicator {
  constructor(private readonly client: KafkaClient) {}

  isHealthy<K extends string = 'kafka'>(
    key?: K,
    options: BrokerHealthOptions = {},
  ): Promise<KafkaHealthResult<K>> {
    return checkKafkaHealth(this.client, { ...options, key });
  }
}
