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
import { TimerAlarm } from './timers/timer-alarm';
import { TimerScheduler } from './timers/timer-scheduler';

/**
 * Start and stop of the router. Consumers (requests, events, preferences) are registered while
 * modules initialize and started by the messaging module (requests and events with
 * `consumerConcurrency` partitions at once); the outbox relay and the timer scheduler (wakes at
 * the next due timer, at most `timerPollIntervalMs` apart) start at bootstrap. Shutdown:
 * consumers (each finishes its batch), timer scheduler, relay, database.
 */
@Injectable()
export class RouterLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Router');
  private readonly consumers: MessageConsumer[] = [];
  private readonly relay: OutboxRelay;
  private readonly timers: TimerScheduler;
  private unlisten?: () => void;

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
    fireTimers: FireTimersUseCase,
    private readonly alarm: TimerAlarm,
  ) {
    const clock = ports.clock ?? Date.now;
    this.timers = new TimerScheduler({
      fire: (now, limit) => fireTimers.execute(FireTimersCommand.create(now, limit)),
      nextDueAt: () => fireTimers.nextDueAt(),
      clock,
      pollIntervalMs: config.timerPollIntervalMs,
      batchSize: config.timerBatchSize,
      onError: (error) => this.logger.warn(`Timer round failed; retrying: ${describeError(error)}`),
    });
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
    const { topics, consumerGroupPrefix: prefix, retryDelaysMs, consumerConcurrency } = this.config;
    this.consumers.push(
      this.registry.register({
        groupId: `${prefix}-requests`,
        topics: [topics.requests],
        retryDelaysMs,
        partitionsConsumedConcurrently: consumerConcurrency,
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
        partitionsConsumedConcurrently: consumerConcurrency,
        eachBatch: eventsHandler({ codec: this.codec, apply: this.applyEvent }),
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
    this.unlisten = this.alarm.listen((dueAt) => this.timers.armed(dueAt));
    this.timers.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.consumers.map((consumer) =>
        consumer.stop().catch((error: unknown) => this.logger.warn(`Consumer stop: ${describeError(error)}`)),
      ),
    );
    this.unlisten?.();
    await this.timers.stop();
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
