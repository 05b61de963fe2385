import {
  Controller,
  Get,
  Inject,
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
} from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { KafkaClient } from '@smis/messaging';

/** The checks `/health/ready` runs. */
export interface HealthProbesOptions {
  readiness: HealthIndicatorFunction[];
}

export interface HealthProbesAsyncOptions {
  imports?: ModuleMetadata['imports'];
  /** Injected into `useFactory`; `HealthIndicatorService` is always available. */
  inject?: FactoryProvider['inject'];
  useFactory: (...args: never[]) => HealthProbesOptions | Promise<HealthProbesOptions>;
}

export const HEALTH_PROBES_OPTIONS = Symbol('HEALTH_PROBES_OPTIONS');

/**
 * Kubernetes probes. Liveness (`/health/live`) says only that the process answers: a broker
 * outage must not restart every pod. Readiness (`/health/ready`) runs the dependency checks, so a
 * pod that cannot reach Kafka stops receiving traffic but keeps running.
 */
@Controller('health')
class HealthProbesController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(HEALTH_PROBES_OPTIONS) private readonly options: HealthProbesOptions,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.options.readiness);
  }
}

/** `/health/live` and `/health/ready`; the readiness checks come from the factory. */
@Module({})
export class HealthProbesModule {
  static forRootAsync(options: HealthProbesAsyncOptions): DynamicModule {
    return {
      module: HealthProbesModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), ...(options.imports ?? [])],
      controllers: [HealthProbesController],
      providers: [
        { provide: HEALTH_PROBES_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
      ],
    };
  }
}

/** Readiness check: the brokers answer within `timeoutMs`. */
export function kafkaReadiness(
  indicator: HealthIndicatorService,
  client: KafkaClient,
  timeoutMs = 3_000,
): HealthIndicatorFunction {
  return async (): Promise<HealthIndicatorResult> => {
    const session = indicator.check('kafka');
    const state = await client.checkHealth({ timeoutMs });
    return state.status === 'up'
      ? session.up({ brokers: state.brokers, latencyMs: state.latencyMs })
      : session.down({ message: state.error });
  };
}
