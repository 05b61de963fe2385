import type { DynamicModule, FactoryProvider, Provider } from '@nestjs/common';
import {
  ConsumerRegistry,
  KafkaClient,
  MessageProducer,
  type ConsumerOptions,
  type MessageConsumer,
} from '@smis/messaging';
import { instrumentProducer, MessagingMetrics } from './metrics/messaging-metrics';
import { MetricsRegistry } from './metrics/metrics-registry';
import { traceConsumerOptions, tracingProducer } from './tracing/trace-propagation';

export interface MessagingObservabilityOptions {
  /**
   * W3C trace context (ADR 1201): every record the application's `MessageProducer` publishes
   * carries a `traceparent`, and every consumer registered in the `ConsumerRegistry` runs its
   * handler in the trace of the record (default true).
   */
  tracing?: boolean;
  /**
   * `smis_messaging_messages_out_total` and `smis_messaging_publish_failures_total` for the
   * application's `MessageProducer`, on the `MetricsRegistry` of `MetricsModule` when the
   * application has one (default true).
   */
  metrics?: boolean;
}

/** The `ConsumerRegistry` whose consumers run their handlers in the trace of each record. */
export class TracingConsumerRegistry extends ConsumerRegistry {
  override register(options: ConsumerOptions): MessageConsumer {
    return super.register(traceConsumerOptions(options));
  }
}

function provides(provider: Provider, token: unknown): boolean {
  return (
    provider === token ||
    (typeof provider === 'object' && 'provide' in provider && provider.provide === token)
  );
}

/**
 * `MessagingModule.forRoot()` or `.forRootAsync()` with its `MessageProducer` and
 * `ConsumerRegistry` observed: the producer counts what it publishes (per topic) and puts trace
 * context into every record; the registry traces the handler of every consumer registered. The
 * services that inject them do not change.
 *
 * ```ts
 * imports: [observeMessaging(MessagingModule.forRoot({ connection })), MetricsModule.forRoot({ messaging: true })]
 * ```
 */
export function observeMessaging(
  messaging: DynamicModule,
  options: MessagingObservabilityOptions = {},
): DynamicModule {
  const tracing = options.tracing ?? true;
  const metrics = options.metrics ?? true;
  const providers = messaging.providers ?? [];
  const producer = providers.find((p) => provides(p, MessageProducer));
  const registry = providers.find((p) => provides(p, ConsumerRegistry));
  if (
    producer === undefined ||
    typeof producer !== 'object' ||
    !('useFactory' in producer) ||
    registry === undefined
  ) {
    throw new TypeError(
      'observeMessaging: expected the module of MessagingModule.forRoot() or .forRootAsync() (a MessageProducer factory and the ConsumerRegistry)',
    );
  }
  const inner: FactoryProvider<MessageProducer | Promise<MessageProducer>> = producer;
  const observedProducer: FactoryProvider<Promise<MessageProducer>> = {
    provide: MessageProducer,
    inject: [...(inner.inject ?? []), { token: MetricsRegistry, optional: true }],
    useFactory: async (...args: unknown[]) => {
      const registryOfMetrics = args.pop() as MetricsRegistry | undefined;
      let result = await inner.useFactory(...args);
      if (metrics && registryOfMetrics)
        result = instrumentProducer(result, new MessagingMetrics(registryOfMetrics));
      return tracing ? tracingProducer(result) : result;
    },
  };
  const observedRegistry: FactoryProvider<ConsumerRegistry> = {
    provide: ConsumerRegistry,
    inject: [KafkaClient, MessageProducer],
    useFactory: (client: KafkaClient, published: MessageProducer) =>
      new TracingConsumerRegistry(client, published),
  };
  return {
    ...messaging,
    providers: providers.map((p) =>
      p === producer ? observedProducer : p === registry && tracing ? observedRegistry : p,
    ),
  };
}
