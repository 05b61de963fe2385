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
import type { RouterConfig } from './config';
import { eventsHandler, preferencesHandler, requestsHandler } from './kafka/handlers';
import type { RouterPorts } from './ports';
import { ROUTER_CODEC, ROUTER_CONFIG, ROUTER_DATA_SOURCE, ROUTER_OUTBOX, ROUTER_PORTS } from './tokens';
import { AcceptRequestUseCase } from './usecases/accept-requests/accept-request.usecase';
import { RejectUnverifiedUseCase } from './usecases/accept-requests/reject-unverified.usecase';
import { ApplyDeliveryEventUseCase } from './usecases/apply-delivery-event/apply-delivery-event.usecase';
import { ApplyPreferenceUseCase } from './usecases/apply-preference/apply-preference.usecase';
import { FireTimersCommand } from './usecases/fire-timers/fire-timers.command';
import { FireTimersUseCase } from './usecases/fire-timers/fire-timers.usecase';

/**
 * Start and stop of the router. Consumers (requests, events, preferences) are registered while
 * modules initialize and started by the messaging module; the outbox relay and the timer poller
 * start at bootstrap. Shutdown: consumers (each finishes its batch), poller, relay, database.
 */
@Injectable()
export class RouterLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Router');
  private readonly consumers: MessageConsumer[] = [];
  private readonly relay: OutboxRelay;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = true;

  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(ROUTER_PORTS) private readonly ports: RouterPorts,
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ROUTER_OUTBOX) outbox: Outbox,
    @Inject(ROUTER_CODEC) private readonly codec: AvroCodec,
    producer: MessageProducer,
    private readonly registry: ConsumerRegistry,
    private readonly accept: AcceptRequestUseCase,
    private readonly rejectUnverified: RejectUnverifiedUseCase,
    private readonly applyEvent: ApplyDeliveryEventUseCase,
    private readonly applyPreference: ApplyPreferenceUseCase,
    private readonly fireTimers: FireTimersUseCase,
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
    const { topics, consumerGroupPrefix: prefix, retryDelaysMs } = this.config;
    this.consumers.push(
      this.registry.register({
        groupId: `${prefix}-requests`,
        topics: [topics.requests],
        retryDelaysMs,
        eachBatch: requestsHandler({
          codec: this.codec,
          ports: this.ports,
          accept: this.accept,
          rejectUnverified: this.rejectUnverified,
        }),
      }),
      this.registry.register({
        groupId: `${prefix}-events`,
        topics: [topics.events],
        retryDelaysMs,
        eachMessage: eventsHandler({ codec: this.codec, apply: this.applyEvent }),
      }),
      this.registry.register({
        groupId: `${prefix}-preferences`,
        topics: [topics.preferences],
        retryDelaysMs,
        eachMessage: preferencesHandler({ codec: this.codec, apply: this.applyPreference }),
      }),
    );
  }

  onApplicationBootstrap(): void {
    this.relay.start();
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.pollTimers().finally(() => {
        this.polling = undefined;
        this.schedule(this.config.timerPollIntervalMs);
      });
    }, delayMs);
  }

  private async pollTimers(): Promise<void> {
    try {
      const clock = this.ports.clock ?? Date.now;
      while (
        !this.stopped &&
        (await this.fireTimers.execute(FireTimersCommand.create(clock(), this.config.timerBatchSize))) ===
          this.config.timerBatchSize
      ) {
        /* a full round: there may be more due */
      }
    } catch (error) {
      this.logger.warn(`Timer round failed; retrying: ${describeError(error)}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.consumers.map((consumer) =>
        consumer.stop().catch((error: unknown) => this.logger.warn(`Consumer stop: ${describeError(error)}`)),
      ),
    );
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
