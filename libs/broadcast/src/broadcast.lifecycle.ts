import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { AvroCodec } from '@smis/contracts';
import { ConsumerRegistry, describeError, MessageProducer, type MessageConsumer } from '@smis/messaging';
import { OutboxRelay, type Outbox } from '@smis/persistence';
import type { DataSource } from 'typeorm';
import type { BroadcastConfig } from './config';
import type { BroadcastRecordTypes } from './contracts/records';
import { broadcastsHandler, listChunksHandler } from './kafka/handlers';
import {
  BROADCAST_CODEC,
  BROADCAST_CONFIG,
  BROADCAST_DATA_SOURCE,
  BROADCAST_OUTBOX,
  BROADCAST_RECORD_CODEC,
} from './tokens';
import { AcceptBroadcastUseCase } from './usecases/accept-broadcast/accept-broadcast.usecase';
import { ReceiveListChunkUseCase } from './usecases/receive-list-chunk/receive-list-chunk.usecase';
import { BroadcastScheduler } from './scheduler';

/**
 * Start and stop: the broadcasts and list consumers (registered while modules initialize), the
 * outbox relay and the schedule poller (at bootstrap); on shutdown the consumers, the poller
 * (letting the running page finish), the relay, then the database.
 */
@Injectable()
export class BroadcastLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Broadcast');
  private consumers: MessageConsumer[] = [];
  private readonly relay: OutboxRelay;

  constructor(
    @Inject(BROADCAST_CONFIG) private readonly config: BroadcastConfig,
    @Inject(BROADCAST_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(BROADCAST_OUTBOX) outbox: Outbox,
    @Inject(BROADCAST_CODEC) private readonly codec: AvroCodec,
    @Inject(BROADCAST_RECORD_CODEC) private readonly records: AvroCodec<BroadcastRecordTypes>,
    producer: MessageProducer,
    private readonly registry: ConsumerRegistry,
    private readonly accept: AcceptBroadcastUseCase,
    private readonly receive: ReceiveListChunkUseCase,
    private readonly scheduler: BroadcastScheduler,
  ) {
    this.relay = new OutboxRelay(outbox, {
      dataSource,
      producer,
      logger: {
        warn: (message, fields) => this.logger.warn(`${message} ${JSON.stringify(fields ?? {})}`),
        error: (message, fields) => this.logger.error(`${message} ${JSON.stringify(fields ?? {})}`),
      },
    });
  }

  onModuleInit(): void {
    const accept = broadcastsHandler(this.codec, this.accept);
    this.consumers.push(
      this.registry.register({
        groupId: this.config.consumerGroupId,
        topics: [this.config.broadcastsTopic],
        eachMessage: async (record, context) => {
          await accept(record, context);
          this.scheduler.wake();
        },
      }),
      this.registry.register({
        groupId: `${this.config.consumerGroupId}-lists`,
        topics: [this.config.listsTopic],
        eachMessage: listChunksHandler(this.records, this.receive),
      }),
    );
  }

  onApplicationBootstrap(): void {
    this.relay.start();
    this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const consumer of this.consumers)
      await consumer
        .stop()
        .catch((error: unknown) => this.logger.warn(`Consumer stop: ${describeError(error)}`));
    await this.scheduler.stop();
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
