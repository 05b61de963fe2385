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
import type { AppChannelConfig } from './config';
import { appJobsHandler } from './kafka/app-jobs.handler';
import { LiveHub } from './live/live-hub';
import type { PushProvider, PushProviderKind } from './push/push-provider';
import {
  APP_CHANNEL_CODEC,
  APP_CHANNEL_CONFIG,
  APP_CHANNEL_DATA_SOURCE,
  APP_CHANNEL_OUTBOX,
  PUSH_PROVIDERS,
} from './tokens';
import { DeliverJobsUseCase } from './usecases/deliver-jobs/deliver-jobs.usecase';
import { SweepExpiredUseCase } from './usecases/sweep-expired/sweep-expired.usecase';

/**
 * Start and stop of the app channel: the jobs consumer (registered while modules initialize),
 * the outbox relay and the expiry sweeper (at bootstrap); on shutdown the consumer, sweeper,
 * relay, push sessions, then the database.
 */
@Injectable()
export class AppChannelLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('AppChannel');
  private consumer?: MessageConsumer;
  private readonly relay: OutboxRelay;
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    @Inject(APP_CHANNEL_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CHANNEL_OUTBOX) outbox: Outbox,
    @Inject(APP_CHANNEL_CODEC) private readonly codec: AvroCodec,
    @Inject(PUSH_PROVIDERS) private readonly providers: Partial<Record<PushProviderKind, PushProvider>>,
    producer: MessageProducer,
    private readonly registry: ConsumerRegistry,
    private readonly deliver: DeliverJobsUseCase,
    private readonly sweep: SweepExpiredUseCase,
    private readonly live: LiveHub,
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
    this.consumer = this.registry.register({
      groupId: this.config.consumerGroupId,
      topics: [this.config.jobsTopic],
      // A batch per partition; pushes run in parallel within and across batches (push.concurrency).
      partitionsConsumedConcurrently: this.config.partitionsConsumedConcurrently,
      eachBatch: appJobsHandler(this.codec, this.deliver),
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
    const run = (): void => {
      this.sweeping = this.sweep
        .execute()
        .then((swept) => {
          if (swept.messages > 0) this.logger.log(`Deleted ${swept.messages} expired message(s)`);
        })
        .catch((error: unknown) => this.logger.warn(`Expiry sweep failed: ${describeError(error)}`));
    };
    run();
    this.sweeper = setInterval(run, this.config.sweepIntervalMs);
    this.sweeper.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer
      ?.stop()
      .catch((error: unknown) => this.logger.warn(`Jobs consumer stop: ${describeError(error)}`));
    if (this.sweeper) clearInterval(this.sweeper);
    await this.sweeping;
    this.live.clear();
    await this.relay.stop();
    await Promise.all(Object.values(this.providers).map((p) => p?.close?.().catch(() => undefined)));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
