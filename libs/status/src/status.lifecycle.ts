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
import type { StatusConfig } from './config';
import { deliveryEventsHandler } from './kafka/delivery-events.handler';
import { StatusTopics } from './status-topics';
import { STATUS_CODEC, STATUS_CONFIG, STATUS_DATA_SOURCE, STATUS_OUTBOX } from './tokens';
import { RecordDeliveryEventUseCase } from './usecases/record-delivery-event/record-delivery-event.usecase';
import { WebhookPoller } from './webhooks/webhook-poller';

/**
 * Start and stop of the status service, in one place. Starts: the events consumer (registered
 * while modules initialize; the messaging module starts it), the outbox relay and the webhook
 * poller (at bootstrap). Stops, before the messaging module disconnects the shared producer:
 * the consumer (finishing its batch), the poller (finishing its round), the relay; then closes
 * the database.
 */
@Injectable()
export class StatusLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Status');
  private consumer?: MessageConsumer;
  private readonly relay: OutboxRelay;

  constructor(
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    @Inject(STATUS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(STATUS_OUTBOX) outbox: Outbox,
    @Inject(STATUS_CODEC) private readonly codec: AvroCodec,
    producer: MessageProducer,
    private readonly registry: ConsumerRegistry,
    private readonly recordEvent: RecordDeliveryEventUseCase,
    private readonly poller: WebhookPoller,
    private readonly topics: StatusTopics,
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
      topics: [this.config.eventsTopic],
      partitionsConsumedConcurrently: this.config.partitionsConsumedConcurrently,
      eachBatch: deliveryEventsHandler(this.codec, this.recordEvent),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.topics.ensure([this.config.webhooks.deadLetterTopic]);
    this.relay.start();
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer
      ?.stop()
      .catch((error: unknown) => this.logger.warn(`Events consumer stop: ${describeError(error)}`));
    await this.poller.stop();
    await this.relay.stop();
    await this.topics.close().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
