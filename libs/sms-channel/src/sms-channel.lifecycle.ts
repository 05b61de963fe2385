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
import type { SmsChannelConfig } from './config';
import { ProviderPool } from './delivery/provider-pool';
import { avoidedSmsEventsHandler, decodingHandler, waveDecodingHandler } from './kafka/handlers';

/** SMS jobs handed to the submission engine together (provider calls: `jobConcurrency` at once). */
const JOB_WAVE = 100;
import { SMS_CODEC, SMS_CONFIG, SMS_DATA_SOURCE, SMS_OUTBOX } from './tokens';
import { CountAvoidedSmsUseCase } from './usecases/count-avoided-sms/count-avoided-sms.usecase';
import { ReconcileSubmissionsUseCase } from './usecases/reconcile-submissions/reconcile-submissions.usecase';
import { RecordDeliveryReportUseCase } from './usecases/record-delivery-report/record-delivery-report.usecase';
import { RegisterPhoneUseCase } from './usecases/register-phone/register-phone.usecase';
import { SendSmsUseCase } from './usecases/send-sms/send-sms.usecase';

/**
 * Start and stop of the SMS channel. Consumers (registered while modules initialize): phone
 * registrations, SMS jobs, OTP requests, delivery events (for "SMS avoided"). At bootstrap: the
 * providers (SMPP binds), the outbox relay, a first reconciliation of interrupted submissions and
 * its timer. At shutdown, before the shared producer goes: consumers, timer, providers, relay.
 */
@Injectable()
export class SmsChannelLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('SmsChannel');
  private readonly consumers: MessageConsumer[] = [];
  private readonly relay: OutboxRelay;
  private reconcileTimer?: NodeJS.Timeout;
  private reconciling?: Promise<unknown>;

  constructor(
    @Inject(SMS_CONFIG) private readonly config: SmsChannelConfig,
    @Inject(SMS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(SMS_OUTBOX) outbox: Outbox,
    @Inject(SMS_CODEC) private readonly codec: AvroCodec,
    producer: MessageProducer,
    private readonly registry: ConsumerRegistry,
    private readonly pool: ProviderPool,
    private readonly registerPhone: RegisterPhoneUseCase,
    private readonly sendSms: SendSmsUseCase,
    private readonly recordReport: RecordDeliveryReportUseCase,
    private readonly reconcile: ReconcileSubmissionsUseCase,
    private readonly countAvoided: CountAvoidedSmsUseCase,
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
    const { topics, consumerGroupPrefix: group, partitionsConsumedConcurrently } = this.config;
    this.consumers.push(
      this.registry.register({
        groupId: `${group}-registrations`,
        topics: [topics.phoneRegistrations],
        fromBeginning: true,
        partitionsConsumedConcurrently,
        eachMessage: decodingHandler(this.codec, 'PhoneRegistration', (r) => this.registerPhone.execute(r)),
      }),
      this.registry.register({
        groupId: `${group}-jobs`,
        topics: [topics.jobs],
        partitionsConsumedConcurrently,
        eachBatch: waveDecodingHandler(
          this.codec,
          'SmsChannelJob',
          (jobs) => this.sendSms.sendJobs(jobs),
          JOB_WAVE,
        ),
      }),
      this.registry.register({
        groupId: `${group}-otp`,
        topics: [topics.otpRequests],
        partitionsConsumedConcurrently,
        eachMessage: decodingHandler(this.codec, 'OtpRequest', (otp) => this.sendSms.sendOtp(otp)),
      }),
      this.registry.register({
        groupId: `${group}-events`,
        topics: [topics.events],
        partitionsConsumedConcurrently,
        eachBatch: avoidedSmsEventsHandler(this.codec, this.countAvoided),
      }),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.pool.start((report) => this.recordReport.execute(report).then(() => undefined));
    this.relay.start();
    await this.runReconcile();
    this.reconcileTimer = setInterval(() => void this.runReconcile(), this.config.reconcile.intervalMs);
    this.reconcileTimer.unref();
  }

  /** One reconciliation round now (also what the timer runs). */
  runReconcile(): Promise<unknown> {
    if (!this.reconciling) {
      this.reconciling = this.reconcile
        .execute()
        .catch((error: unknown) => this.logger.warn(`Reconciliation failed: ${describeError(error)}`))
        .finally(() => (this.reconciling = undefined));
    }
    return this.reconciling;
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.reconcileTimer);
    await Promise.all(
      this.consumers.map((c) =>
        c.stop().catch((error: unknown) => this.logger.warn(`Consumer stop: ${describeError(error)}`)),
      ),
    );
    await this.reconciling;
    await this.pool.stop();
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
