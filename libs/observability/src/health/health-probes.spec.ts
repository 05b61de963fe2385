import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthProbesModule } from './health-probes.module';

const state = { database: true };

@Module({
  imports: [
    HealthProbesModule.forRootAsync({
      inject: [HealthIndicatorService],
      useFactory: (indicator: HealthIndicatorService) => ({
        readiness: [
          async () => {
            const session = indicator.check('database');
            return state.database ? session.up() : session.down({ message: 'no connection' });
          },
        ],
      }),
    }),
  ],
})
class ProbedApplication {}

describe('health probes', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create(ProbedApplication, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app?.close());

  it('is ready while the dependencies are, and alive either way', async () => {
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });

    state.database = false;
    const unready = await fetch(`${url}/health/ready`);
    expect(unready.status).toBe(503);
    expect(await unready.json()).toMatchObject({
      status: 'error',
      details: { database: { status: 'down', message: 'no connection' } },
    });
    const live = await fetch(`${url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
  });
});
