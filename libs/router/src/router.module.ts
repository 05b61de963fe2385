import { RouterMetrics } from './metrics';
import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata } from '@nestjs/common';
import { createAvroCodec } from '@smis/contracts';
import { Outbox, openServiceDataSource } from '@smis/persistence';
import { createDomainDecryptor } from '@smis/pseudonym';
import type { DataSource } from 'typeorm';
import { validateRouterConfig, type RouterConfig, type RouterConfigInput } from './config';
import { ROUTER_ENTITIES } from './entities';
import { ROUTER_MIGRATIONS } from './migrations';
import { PlanExecutor } from './plan/plan-executor';
import type { RouterPorts } from './ports';
import { RouterLifecycle } from './router.lifecycle';
import { RouterScorecardService } from './router.service';
import { TimerAlarm } from './timers/timer-alarm';
import {
  ROUTER_CODEC,
  ROUTER_CONFIG,
  ROUTER_DATA_SOURCE,
  ROUTER_DECRYPTOR,
  ROUTER_OUTBOX,
  ROUTER_PORTS,
} from './tokens';
import { AcceptRequestUseCase } from './usecases/accept-requests/accept-request.usecase';
import { RejectUnverifiedUseCase } from './usecases/accept-requests/reject-unverified.usecase';
import { ApplyDeliveryEventUseCase } from './usecases/apply-delivery-event/apply-delivery-event.usecase';
import { ApplyPreferenceUseCase } from './usecases/apply-preference/apply-preference.usecase';
import { FireTimersUseCase } from './usecases/fire-timers/fire-timers.usecase';
import { GetScorecardUseCase } from './usecases/get-scorecard/get-scorecard.usecase';

/**
 * The router (Short Messaging Integration Service): verifies requests, applies each sender's
 * code of conduct, plans delivery (app first, SMS/e-mail fallback) and drives the plan from the
 * channels' events and its own timers. Needs the global MessagingModule. Exports RouterScorecardService.
 */
@Module({})
export class RouterModule {
  static register(input: RouterConfigInput | RouterConfig, ports: RouterPorts): DynamicModule {
    const config = validateRouterConfig(input);
    return RouterModule.build([
      { provide: ROUTER_CONFIG, useValue: config },
      { provide: ROUTER_PORTS, useValue: checkPorts(ports) },
    ]);
  }

  /** For a TranscryptionPort that is a provider of another module (pass it in `imports`, inject it). */
  static registerAsync(options: {
    imports?: ModuleMetadata['imports'];
    inject?: FactoryProvider['inject'];
    useFactory: (
      ...args: never[]
    ) =>
      | { config: RouterConfigInput | RouterConfig; ports: RouterPorts }
      | Promise<{ config: RouterConfigInput | RouterConfig; ports: RouterPorts }>;
  }): DynamicModule {
    const SETUP = Symbol('smis.router.setup');
    const module = RouterModule.build([
      { provide: SETUP, inject: options.inject ?? [], useFactory: options.useFactory },
      {
        provide: ROUTER_CONFIG,
        inject: [SETUP],
        useFactory: (setup: { config: RouterConfigInput }) => validateRouterConfig(setup.config),
      },
      {
        provide: ROUTER_PORTS,
        inject: [SETUP],
        useFactory: (setup: { ports: RouterPorts }) => checkPorts(setup.ports),
      },
    ]);
    return { ...module, imports: options.imports ?? [] };
  }

  private static build(setup: NonNullable<DynamicModule['providers']>): DynamicModule {
    return {
      module: RouterModule,
      providers: [
        ...setup,
        RouterMetrics,
        {
          provide: ROUTER_DATA_SOURCE,
          inject: [ROUTER_CONFIG],
          useFactory: (config: RouterConfig): Promise<DataSource> =>
            openServiceDataSource({
              databaseUrl: config.databaseUrl,
              dataDir: config.dataDir,
              schema: config.schema,
              entities: ROUTER_ENTITIES,
              migrations: ROUTER_MIGRATIONS,
              applicationName: 'smis-router',
            }),
        },
        {
          provide: ROUTER_OUTBOX,
          inject: [ROUTER_DATA_SOURCE],
          useFactory: (ds: DataSource) => new Outbox(ds),
        },
        { provide: ROUTER_CODEC, useFactory: () => createAvroCodec() },
        {
          provide: ROUTER_DECRYPTOR,
          inject: [ROUTER_CONFIG],
          useFactory: (config: RouterConfig) => createDomainDecryptor(config.routerDomainKey),
        },
        PlanExecutor,
        AcceptRequestUseCase,
        RejectUnverifiedUseCase,
        ApplyDeliveryEventUseCase,
        ApplyPreferenceUseCase,
        FireTimersUseCase,
        GetScorecardUseCase,
        RouterScorecardService,
        TimerAlarm,
        RouterLifecycle,
      ],
      exports: [RouterScorecardService],
    };
  }
}

function checkPorts(ports: RouterPorts): RouterPorts {
  if (!ports?.transcryption || !ports?.senders) {
    throw new Error('RouterModule needs ports.transcryption and ports.senders');
  }
  return ports;
}
