import {
  Controller,
  Get,
  Header,
  Inject,
  Injectable,
  Module,
  Res,
  type CallHandler,
  type DynamicModule,
  type ExecutionContext,
  type NestInterceptor,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type Provider,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ConsumerRegistry, KafkaClient, type MessageConsumer, type TopicAdmin } from '@smis/messaging';
import type { Counter, Histogram } from 'prom-client';
import { Observable, tap } from 'rxjs';
import { HTTP_METRICS } from './metric-catalog';
import { ConsumerLagMonitor, instrumentConsumer, MessagingMetrics } from './messaging-metrics';
import { MetricsRegistry, type MetricsRegistryOptions } from './metrics-registry';

export interface MetricsModuleOptions extends MetricsRegistryOptions {
  /** Count HTTP requests per route and status (default true). */
  http?: boolean;
  /**
   * Instrument every consumer of the `ConsumerRegistry` (needs `MessagingModule`) and refresh
   * the consumer lag gauge every `lagIntervalMs` (default 15 s).
   */
  messaging?: boolean | { lagIntervalMs?: number };
}

export const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');

/** `GET /metrics`: the Prometheus text exposition. */
@Controller('metrics')
class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: { type(value: string): { send(body: string): void } }): Promise<void> {
    response.type(this.metrics.contentType).send(await this.metrics.metrics());
  }
}

interface HttpExchange {
  method?: string;
  route?: { path?: string };
  baseUrl?: string;
}

/** Counts and times HTTP requests by route template (never the raw URL: ids would explode the series). */
@Injectable()
class HttpMetricsInterceptor implements NestInterceptor {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor(metrics: MetricsRegistry) {
    const factory = metrics.service('http');
    this.requests = factory.counter('requests_total', HTTP_METRICS.requests.help, [
      'method',
      'route',
      'status',
    ]);
    this.duration = factory.histogram('request_duration_seconds', HTTP_METRICS.duration.help, [
      'method',
      'route',
    ]);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<HttpExchange>();
    const response = http.getResponse<{ statusCode?: number }>();
    const route = `${request.baseUrl ?? ''}${request.route?.path ?? ''}` || 'unmatched';
    const method = request.method ?? 'GET';
    const started = process.hrtime.bigint();
    const record = (status: number): void => {
      this.requests.inc({ method, route, status: String(status) });
      this.duration.observe({ method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    return next.handle().pipe(
      tap({
        next: () => undefined,
        complete: () => record(response.statusCode ?? 200),
        error: (error: { status?: number; getStatus?: () => number }) =>
          record(error.getStatus?.() ?? error.status ?? 500),
      }),
    );
  }
}

/** Attaches the messaging metrics to every registered consumer and keeps the lag gauge fresh. */
@Injectable()
export class MessagingInstrumentation implements OnApplicationBootstrap, OnModuleDestroy {
  readonly metrics: MessagingMetrics;
  private readonly instrumented = new WeakSet<MessageConsumer>();
  private readonly monitor: ConsumerLagMonitor;
  private readonly admin: TopicAdmin;

  constructor(
    registry: MetricsRegistry,
    private readonly consumers: ConsumerRegistry,
    client: KafkaClient,
    @Inject(METRICS_OPTIONS) options: MetricsModuleOptions,
  ) {
    this.metrics = new MessagingMetrics(registry);
    this.admin = client.admin();
    const intervalMs = typeof options.messaging === 'object' ? options.messaging.lagIntervalMs : undefined;
    this.monitor = new ConsumerLagMonitor({
      admin: this.admin,
      metrics: this.metrics,
      intervalMs,
      targets: () => {
        this.instrumentNew();
        return this.consumers.list().map((c) => ({ groupId: c.groupId, topics: c.subscribedTopics }));
      },
      onError: (error) =>
        client.logger.warn('Could not measure consumer lag', { error: (error as Error).message }),
    });
  }

  /** Consumers registered after bootstrap are picked up at the next lag refresh. */
  private instrumentNew(): void {
    for (const consumer of this.consumers.list()) {
      if (this.instrumented.has(consumer)) continue;
      this.instrumented.add(consumer);
      instrumentConsumer(consumer, this.metrics);
    }
  }

  onApplicationBootstrap(): void {
    this.instrumentNew();
    this.monitor.start();
  }

  /** Measures the lag now (the gauge is otherwise as old as the last interval). */
  refreshLag(): Promise<void> {
    return this.monitor.refresh();
  }

  async onModuleDestroy(): Promise<void> {
    await this.monitor.stop();
    await this.admin.disconnect();
  }
}

/**
 * Prometheus metrics for a NestJS application: `MetricsRegistry` (global) and `GET /metrics`,
 * with prom-client's default metrics, HTTP request metrics and, with `messaging`, the consumer
 * counters and lag of every consumer in the `ConsumerRegistry`.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: METRICS_OPTIONS, useValue: options },
      { provide: MetricsRegistry, useFactory: () => new MetricsRegistry(options) },
    ];
    if (options.http ?? true) providers.push({ provide: APP_INTERCEPTOR, useClass: HttpMetricsInterceptor });
    if (options.messaging) providers.push(MessagingInstrumentation);
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers,
      exports: [MetricsRegistry, ...(options.messaging ? [MessagingInstrumentation] : [])],
    };
  }
}
