import { Module, type DynamicModule } from '@nestjs/common';
import { createAvroCodec } from '@smis/contracts';
import { Outbox, openServiceDataSource } from '@smis/persistence';
import { createDomainDecryptor } from '@smis/pseudonym';
import type { DataSource } from 'typeorm';
import { AppChannelLifecycle } from './app-channel.lifecycle';
import { BroadcastDeliveryService } from './broadcast/broadcast-delivery.service';
import { BroadcastTopics } from './broadcast/broadcast-topics';
import { validateAppChannelConfig, type AppChannelConfig, type AppChannelConfigInput } from './config';
import { APP_CHANNEL_ENTITIES } from './entities';
import { AppController } from './http/app.controller';
import { DeviceAuthGuard, DeviceRequestVerifier } from './http/device-auth';
import { KeyDirectoryService } from './key-directory';
import { LiveHub } from './live/live-hub';
import { AppChannelMetrics } from './metrics';
import { APP_CHANNEL_MIGRATIONS } from './migrations';
import type { AppChannelPorts } from './ports';
import { createPushProviders } from './push/push-dispatcher';
import { AppChannelStore } from './store';
import {
  APP_CHANNEL_CODEC,
  APP_CHANNEL_CONFIG,
  APP_CHANNEL_DATA_SOURCE,
  APP_CHANNEL_OUTBOX,
  APP_CHANNEL_PORTS,
  APP_DOMAIN_DECRYPTOR,
  BROADCAST_DELIVERY,
  KEY_DIRECTORY,
  PUSH_PROVIDERS,
} from './tokens';
import { AcknowledgeMessageUseCase } from './usecases/acknowledge-message/acknowledge-message.usecase';
import { DeleteMessageUseCase } from './usecases/delete-message/delete-message.usecase';
import { DeliverJobsUseCase } from './usecases/deliver-jobs/deliver-jobs.usecase';
import { FetchMessageUseCase } from './usecases/fetch-message/fetch-message.usecase';
import { GetPreferencesUseCase } from './usecases/get-preferences/get-preferences.usecase';
import { ListDevicesUseCase } from './usecases/list-devices/list-devices.usecase';
import { ListSendersUseCase } from './usecases/list-senders/list-senders.usecase';
import { RegisterDeviceUseCase } from './usecases/register-device/register-device.usecase';
import { RevokeDeviceUseCase } from './usecases/revoke-device/revoke-device.usecase';
import { SweepExpiredUseCase } from './usecases/sweep-expired/sweep-expired.usecase';
import { SyncInboxUseCase } from './usecases/sync-inbox/sync-inbox.usecase';
import { UpdateDeviceUseCase } from './usecases/update-device/update-device.usecase';
import { UpdatePreferencesUseCase } from './usecases/update-preferences/update-preferences.usecase';

/**
 * The app channel (mobile app messaging service): consumes `smis.channel.app.v1`, keeps inboxes
 * and devices in its own schema, pushes through FCM / APNs / Web Push, serves `/v1/app`, publishes
 * delivery events and preferences through its outbox. Needs the global MessagingModule and, from
 * the platform, the ports (transcryptor, credential verifier, sender registry). Exports the key
 * directory (KeyDirectoryService, token KEY_DIRECTORY) and the broadcast store and fan-out
 * (BroadcastDeliveryService, token BROADCAST_DELIVERY) the broadcast service uses.
 *
 * The Nest application must be created with `{ rawBody: true }`: device signatures cover the body bytes.
 */
@Module({})
export class AppChannelModule {
  static register(input: AppChannelConfigInput | AppChannelConfig, ports: AppChannelPorts): DynamicModule {
    const config = validateAppChannelConfig(input);
    return {
      module: AppChannelModule,
      controllers: [AppController],
      providers: [
        { provide: APP_CHANNEL_CONFIG, useValue: config },
        { provide: APP_CHANNEL_PORTS, useValue: ports },
        {
          provide: APP_CHANNEL_DATA_SOURCE,
          useFactory: (): Promise<DataSource> =>
            openServiceDataSource({
              databaseUrl: config.databaseUrl,
              dataDir: config.dataDir,
              schema: config.schema,
              entities: APP_CHANNEL_ENTITIES,
              migrations: APP_CHANNEL_MIGRATIONS,
              applicationName: 'smis-app-channel',
            }),
        },
        {
          provide: APP_CHANNEL_OUTBOX,
          inject: [APP_CHANNEL_DATA_SOURCE],
          useFactory: (ds: DataSource) => new Outbox(ds),
        },
        { provide: APP_CHANNEL_CODEC, useFactory: () => createAvroCodec() },
        { provide: APP_DOMAIN_DECRYPTOR, useFactory: () => createDomainDecryptor(config.domainKey) },
        { provide: PUSH_PROVIDERS, useFactory: () => createPushProviders(config.push, ports.pushProviders) },
        AppChannelStore,
        AppChannelMetrics,
        LiveHub,
        DeviceRequestVerifier,
        DeviceAuthGuard,
        DeliverJobsUseCase,
        RegisterDeviceUseCase,
        UpdateDeviceUseCase,
        ListDevicesUseCase,
        RevokeDeviceUseCase,
        SyncInboxUseCase,
        FetchMessageUseCase,
        AcknowledgeMessageUseCase,
        DeleteMessageUseCase,
        GetPreferencesUseCase,
        UpdatePreferencesUseCase,
        ListSendersUseCase,
        SweepExpiredUseCase,
        KeyDirectoryService,
        { provide: KEY_DIRECTORY, useExisting: KeyDirectoryService },
        BroadcastTopics,
        BroadcastDeliveryService,
        { provide: BROADCAST_DELIVERY, useExisting: BroadcastDeliveryService },
        AppChannelLifecycle,
      ],
      exports: [KeyDirectoryService, KEY_DIRECTORY, BroadcastDeliveryService, BROADCAST_DELIVERY],
    };
  }
}
