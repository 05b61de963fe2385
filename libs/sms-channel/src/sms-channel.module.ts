import { Module, type DynamicModule } from '@nestjs/common';
import { createAvroCodec } from '@smis/contracts';
import { Outbox, openServiceDataSource } from '@smis/persistence';
import type { SenderRegistry } from '@smis/senders';
import type { DataSource } from 'typeorm';
import { validateSmsChannelConfig, type SmsChannelConfig, type SmsChannelConfigInput } from './config';
import { ChannelSecrets } from './crypto/channel-secrets';
import { ProviderPool } from './delivery/provider-pool';
import { SmsRecipients } from './delivery/sms-recipients';
import { SubmissionEngine, type SmsChannelHooks } from './delivery/submission-engine';
import { SMS_CHANNEL_ENTITIES } from './entities';
import { SmsController } from './http/sms.controller';
import { SmsChannelMetrics } from './metrics';
import { SMS_CHANNEL_MIGRATIONS } from './migrations';
import { SmsChannelLifecycle } from './sms-channel.lifecycle';
import { SmsChannelService } from './sms-channel.service';
import { SMS_CODEC, SMS_CONFIG, SMS_DATA_SOURCE, SMS_HOOKS, SMS_OUTBOX, SMS_SENDERS } from './tokens';
import { CountAvoidedSmsUseCase } from './usecases/count-avoided-sms/count-avoided-sms.usecase';
import { ReconcileSubmissionsUseCase } from './usecases/reconcile-submissions/reconcile-submissions.usecase';
import { RecordDeliveryReportUseCase } from './usecases/record-delivery-report/record-delivery-report.usecase';
import { RegisterPhoneUseCase } from './usecases/register-phone/register-phone.usecase';
import { SendSmsUseCase } from './usecases/send-sms/send-sms.usecase';

export interface SmsChannelModuleOptions {
  /** Verifies the senders' signatures on SMS texts. */
  senders: SenderRegistry;
  /** Fault injection for tests (e.g. a crash after the provider accepted). */
  hooks?: SmsChannelHooks;
}

/**
 * The SMS channel: sends SMS jobs and OTP requests through the configured providers with
 * failover, records delivery reports, accounts cost, serves `/v1/sms`. Needs the global
 * MessagingModule; uses the MetricsModule's registry when present. Exports SmsChannelService.
 */
@Module({})
export class SmsChannelModule {
  static register(
    input: SmsChannelConfigInput | SmsChannelConfig,
    options: SmsChannelModuleOptions,
  ): DynamicModule {
    const config = validateSmsChannelConfig(input as SmsChannelConfigInput);
    return {
      module: SmsChannelModule,
      controllers: [SmsController],
      providers: [
        { provide: SMS_CONFIG, useValue: config },
        { provide: SMS_SENDERS, useValue: options.senders },
        { provide: SMS_HOOKS, useValue: options.hooks ?? {} },
        {
          provide: SMS_DATA_SOURCE,
          useFactory: (): Promise<DataSource> =>
            openServiceDataSource({
              databaseUrl: config.databaseUrl,
              dataDir: config.dataDir,
              schema: config.schema,
              entities: SMS_CHANNEL_ENTITIES,
              migrations: SMS_CHANNEL_MIGRATIONS,
              applicationName: 'smis-sms-channel',
            }),
        },
        { provide: SMS_OUTBOX, inject: [SMS_DATA_SOURCE], useFactory: (ds: DataSource) => new Outbox(ds) },
        { provide: SMS_CODEC, useFactory: () => createAvroCodec() },
        { provide: ChannelSecrets, useFactory: () => new ChannelSecrets(config.channelKey) },
        SmsChannelMetrics,
        SmsRecipients,
        ProviderPool,
        SubmissionEngine,
        RegisterPhoneUseCase,
        SendSmsUseCase,
        RecordDeliveryReportUseCase,
        ReconcileSubmissionsUseCase,
        CountAvoidedSmsUseCase,
        SmsChannelLifecycle,
        SmsChannelService,
      ],
      exports: [SmsChannelService],
    };
  }
}
