import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { PlatformConfig } from '../config';
import { DATABASE } from '../database/database.module';
import type { Database } from '../database/database';
import { PLATFORM_CONFIG } from '../tokens';
import { KafkaClient } from '@smis/messaging';

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

/** `GET /health`: the platform and the state of each dependency (200 when all are up, 503 otherwise). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly kafka: KafkaClient,
    @Inject(DATABASE) private readonly database: Database,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    const timeout = this.config.healthTimeoutMs;
    return this.health.check([() => this.kafkaState(timeout), () => this.databaseState(timeout)]);
  }

  private async kafkaState(timeout: number): Promise<HealthIndicatorResult> {
    const session = this.indicator.check('kafka');
    const state = await this.kafka.checkHealth({ timeoutMs: timeout });
    const details = { bootstrap: this.config.kafkaBrokers.join(','), latencyMs: state.latencyMs };
    return state.status === 'up'
      ? session.up({ ...details, brokers: state.brokers, controller: state.controller })
      : session.down({ ...details, message: state.error });
  }

  private async databaseState(timeout: number): Promise<HealthIndicatorResult> {
    const session = this.indicator.check('database');
    try {
      await withTimeout(this.database.query('SELECT 1'), timeout, 'The database');
      return session.up({ kind: this.database.kind, location: this.database.location });
    } catch (error) {
      return session.down({ kind: this.database.kind, message: (error as Error).message });
    }
  }
}
