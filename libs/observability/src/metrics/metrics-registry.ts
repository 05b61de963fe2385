import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { metricName } from './metric-catalog';

export interface MetricsRegistryOptions {
  /** prom-client's process and Node.js metrics (default true). */
  defaultMetrics?: boolean;
  /** Labels on every metric, e.g. `{ service: 'router' }` when services run separately. */
  defaultLabels?: Record<string, string>;
}

/** Histogram buckets for handler and request durations, in seconds: 1 ms to 30 s. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Metric factories of one service: every name becomes `smis_<service>_<name>`. */
export interface ServiceMetrics {
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    buckets?: number[],
  ): Histogram<L>;
}

/**
 * The process's metrics: one prom-client registry (not the global one, so tests and several
 * applications in one process do not collide), with get-or-create factories.
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(options: MetricsRegistryOptions = {}) {
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Serves metrics created elsewhere (prom-client metrics made with `registers: []`, e.g. a
   * library's module-level metrics) from this registry. The same metric twice changes nothing;
   * another metric of the same name, or a name outside `smis_*`, is an error.
   */
  adopt(...metrics: Metric[]): void {
    for (const metric of metrics) {
      const name = (metric as unknown as { name: string }).name;
      if (!/^smis_[a-z][a-z0-9_]*$/.test(name))
        throw new TypeError(`Metric ${name} is not named smis_<service>_<name>`);
      const existing = this.registry.getSingleMetric(name);
      if (existing === metric) continue;
      if (existing !== undefined) throw new TypeError(`Another metric ${name} is already registered`);
      this.registry.registerMetric(metric);
    }
  }

  /** Factories for `smis_<service>_*` metrics. */
  service(service: string): ServiceMetrics {
    return {
      counter: (name, help, labelNames = []) =>
        this.getOrCreate(
          metricName(service, name),
          Counter,
          () =>
            new Counter({ name: metricName(service, name), help, labelNames, registers: [this.registry] }),
        ),
      gauge: (name, help, labelNames = []) =>
        this.getOrCreate(
          metricName(service, name),
          Gauge,
          () => new Gauge({ name: metricName(service, name), help, labelNames, registers: [this.registry] }),
        ),
      histogram: (name, help, labelNames = [], buckets = DURATION_BUCKETS) =>
        this.getOrCreate(
          metricName(service, name),
          Histogram,
          () =>
            new Histogram({
              name: metricName(service, name),
              help,
              labelNames,
              buckets,
              registers: [this.registry],
            }),
        ),
    };
  }

  /** The same metric when asked twice (a module registered in two places), a clear error on a type clash. */
  private getOrCreate<M extends Metric>(
    name: string,
    type: abstract new (...args: never[]) => M,
    create: () => M,
  ): M {
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (!(existing instanceof type))
      throw new TypeError(`Metric ${name} is already registered as another type`);
    return existing;
  }
}
