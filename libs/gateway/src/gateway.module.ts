import {
  Module,
  type DynamicModule,
  type FactoryProvider,
  type MiddlewareConsumer,
  type ModuleMetadata,
  type NestModule,
} from '@nestjs/common';
import { createAvroCodec } from '@smis/contracts';
import { TokenService } from './auth/token-service';
import { validateGatewayConfig, type GatewayConfig, type GatewayConfigInput } from './config';
import { SenderAuthGuard } from './http/auth.guard';
import { BodyLimitMiddleware } from './http/body-limit.middleware';
import { GatewayController } from './http/gateway.controller';
import type { GatewayPorts } from './ports';
import { GATEWAY_CODEC, GATEWAY_CONFIG, GATEWAY_PORTS } from './tokens';
import { SubmitMessageUseCase } from './usecases/submit-message/submit-message.usecase';

/**
 * The REST gateway for senders (`/v1/gateway`): OAuth 2.0 tokens (private_key_jwt, EdDSA),
 * message submission to smis.requests.v1, status, key lookup, scorecard. Needs the global
 * MessagingModule. Stateless: no database.
 */
@Module({})
export class GatewayModule implements NestModule {
  static register(input: GatewayConfigInput | GatewayConfig, ports: GatewayPorts): DynamicModule {
    const config = validateGatewayConfig(input);
    checkPorts(ports);
    return GatewayModule.build([
      { provide: GATEWAY_CONFIG, useValue: config },
      { provide: GATEWAY_PORTS, useValue: ports },
    ]);
  }

  /**
   * For ports that are providers of other modules (StatusService, RouterScorecardService): pass
   * those modules (the same DynamicModule objects the application imports) and inject them.
   */
  static registerAsync(options: {
    imports?: ModuleMetadata['imports'];
    inject?: FactoryProvider['inject'];
    useFactory: (
      ...args: never[]
    ) =>
      | { config: GatewayConfigInput | GatewayConfig; ports: GatewayPorts }
      | Promise<{ config: GatewayConfigInput | GatewayConfig; ports: GatewayPorts }>;
  }): DynamicModule {
    const SETUP = Symbol('smis.gateway.setup');
    const module = GatewayModule.build([
      { provide: SETUP, inject: options.inject ?? [], useFactory: options.useFactory },
      {
        provide: GATEWAY_CONFIG,
        inject: [SETUP],
        useFactory: (setup: { config: GatewayConfigInput }) => validateGatewayConfig(setup.config),
      },
      {
        provide: GATEWAY_PORTS,
        inject: [SETUP],
        useFactory: (setup: { ports: GatewayPorts }) => checkPorts(setup.ports),
      },
    ]);
    return { ...module, imports: options.imports ?? [] };
  }

  private static build(setup: NonNullable<DynamicModule['providers']>): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [GatewayController],
      providers: [
        ...setup,
        { provide: GATEWAY_CODEC, useFactory: () => createAvroCodec() },
        TokenService,
        SenderAuthGuard,
        SubmitMessageUseCase,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(BodyLimitMiddleware).forRoutes(GatewayController);
  }
}

function checkPorts(ports: GatewayPorts): GatewayPorts {
  for (const port of ['senders', 'keyDirectory', 'status', 'scorecard'] as const) {
    if (!ports?.[port]) throw new Error(`GatewayModule needs ports.${port}`);
  }
  return ports;
}
