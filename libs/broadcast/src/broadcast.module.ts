import {
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { createAvroCodec } from '@smis/contracts';
import { Outbox, openServiceDataSource } from '@smis/persistence';
import type { DataSource } from 'typeorm';
import { BroadcastLifecycle } from './broadcast.lifecycle';
import { BroadcastService } from './broadcast.service';
import { validateBroadcastConfig, type BroadcastConfig, type BroadcastConfigInput } from './config';
import { createBroadcastRecordCodec } from './contracts/records';
import { BROADCAST_ENTITIES } from './entities';
import { BroadcastController } from './http/broadcast.controller';
import { BroadcastPrincipalResolver, GatewayHeaderBroadcastPrincipalResolver } from './http/sender-principal';
import { BROADCAST_MIGRATIONS } from './migrations';
import type { BroadcastPorts } from './ports';
import { BroadcastScheduler } from './scheduler';
import { BroadcastStore } from './store';
import {
  BROADCAST_CODEC,
  BROADCAST_CONFIG,
  BROADCAST_DATA_SOURCE,
  BROADCAST_OUTBOX,
  BROADCAST_PORTS,
  BROADCAST_RECORD_CODEC,
} from './tokens';
import { AcceptBroadcastUseCase } from './usecases/accept-broadcast/accept-broadcast.usecase';
import { CancelBroadcastUseCase } from './usecases/cancel-broadcast/cancel-broadcast.usecase';
import { GetBroadcastUseCase } from './usecases/get-broadcast/get-broadcast.usecase';
import { ReceiveListChunkUseCase } from './usecases/receive-list-chunk/receive-list-chunk.usecase';
import { RunBroadcastsUseCase } from './usecases/run-broadcast/run-broadcasts.usecase';

export interface BroadcastModuleOptions {
  /** How `/v1/broadcast` finds the authenticated sender (default: the gateway's `x-smis-sender-id` header). */
  principalResolver?: Type<BroadcastPrincipalResolver>;
}

/**
 * The broadcast service (ADR 1100): consumes `smis.broadcasts.v1` and the list chunks of
 * `smis.broadcasts.lists.v1`, checks signature and code of conduct, keeps the durable schedule in
 * its own schema, and drives the delivery through the app channel (BroadcastDeliveryPort): stored
 * once, shown on sync, pushed via provider topics and a rate-controlled device stream. Publishes
 * lifecycle statuses on `smis.events.v1` and aggregated progress on `smis.broadcasts.progress.v1`;
 * serves `/v1/broadcast`. Needs the global MessagingModule. Exports BroadcastService.
 */
@Module({})
export class BroadcastModule {
  static register(
    input: BroadcastConfigInput | BroadcastConfig,
    ports: BroadcastPorts,
    options: BroadcastModuleOptions = {},
  ): DynamicModule {
    return BroadcastModule.build(
      [
        { provide: BROADCAST_CONFIG, useValue: validateBroadcastConfig(input) },
        { provide: BROADCAST_PORTS, useValue: ports },
      ],
      options,
    );
  }

  /**
   * When a port comes from another module (the app channel's BROADCAST_DELIVERY): import that
   * module and inject the port, as the platform does for the gateway.
   */
  static registerAsync(
    options: BroadcastModuleOptions & {
      imports?: ModuleMetadata['imports'];
      inject?: FactoryProvider['inject'];
      useFactory: (
        ...args: never[]
      ) =>
        | { config: BroadcastConfigInput | BroadcastConfig; ports: BroadcastPorts }
        | Promise<{ config: BroadcastConfigInput | BroadcastConfig; ports: BroadcastPorts }>;
    },
  ): DynamicModule {
    const SETUP = Symbol('smis.broadcast.setup');
    const module = BroadcastModule.build(
      [
        { provide: SETUP, inject: options.inject ?? [], useFactory: options.useFactory },
        {
          provide: BROADCAST_CONFIG,
          inject: [SETUP],
          useFactory: (setup: { config: BroadcastConfigInput }) => validateBroadcastConfig(setup.config),
        },
        {
          provide: BROADCAST_PORTS,
          inject: [SETUP],
          useFactory: (setup: { ports: BroadcastPorts }) => setup.ports,
        },
      ],
      options,
    );
    return { ...module, imports: options.imports ?? [] };
  }

  private static build(
    setup: NonNullable<DynamicModule['providers']>,
    options: BroadcastModuleOptions,
  ): DynamicModule {
    return {
      module: BroadcastModule,
      controllers: [BroadcastController],
      providers: [
        ...setup,
        {
          provide: BroadcastPrincipalResolver,
          useClass: options.principalResolver ?? GatewayHeaderBroadcastPrincipalResolver,
        },
        {
          provide: BROADCAST_DATA_SOURCE,
          inject: [BROADCAST_CONFIG],
          useFactory: (config: BroadcastConfig): Promise<DataSource> =>
            openServiceDataSource({
              databaseUrl: config.databaseUrl,
              dataDir: config.dataDir,
              schema: config.schema,
              entities: BROADCAST_ENTITIES,
              migrations: BROADCAST_MIGRATIONS,
              applicationName: 'smis-broadcast',
            }),
        },
        {
          provide: BROADCAST_OUTBOX,
          inject: [BROADCAST_DATA_SOURCE],
          useFactory: (ds: DataSource) => new Outbox(ds),
        },
        { provide: BROADCAST_CODEC, useFactory: () => createAvroCodec() },
        { provide: BROADCAST_RECORD_CODEC, useFactory: () => createBroadcastRecordCodec() },
        BroadcastStore,
        AcceptBroadcastUseCase,
        ReceiveListChunkUseCase,
        RunBroadcastsUseCase,
        CancelBroadcastUseCase,
        GetBroadcastUseCase,
        BroadcastScheduler,
        BroadcastService,
        BroadcastLifecycle,
      ],
      exports: [BroadcastService],
    };
  }
}
