import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import type { PlatformKeyring } from '@smis/keyring';
import { KafkaClient, MessagingModule } from '@smis/messaging';
import { HealthIndicatorService } from '@nestjs/terminus';
import {
  HealthProbesModule,
  kafkaReadiness,
  MetricsModule,
  MetricsRegistry,
  observeMessaging,
  pinoMessagingLogger,
  traceOutboxWrites,
  type createStructuredLogger,
} from '@smis/observability';
import { Outbox } from '@smis/persistence';
import type { SenderRegistry } from '@smis/senders';
import {
  AppChannelModule,
  BROADCAST_DELIVERY,
  KEY_DIRECTORY,
  loadAppChannelConfig,
  type AppChannelConfig,
  type KeyDirectoryPort,
} from '@smis/app-channel';
import { IdentityModule, loadIdentityConfig } from '@smis/identity';
import { EmailChannelModule, loadEmailChannelConfig } from '@smis/email-channel';
import { loadSmsChannelConfig, SmsChannelModule } from '@smis/sms-channel';
import { BroadcastModule, loadBroadcastConfig, type BroadcastDeliveryPort } from '@smis/broadcast';
import { AccessTokenVerifier, GatewayModule, loadGatewayConfig } from '@smis/gateway';
import { loadRouterConfig, RouterModule, RouterScorecardService } from '@smis/router';
import {
  loadStatusConfig,
  registerStatusMetrics,
  StatusModule,
  StatusService,
  validateStatusConfig,
} from '@smis/status';
import type { InProcessPorts } from './ports';
import type { PlatformConfig } from './config';
import type { Database } from './database/database';
import { DATABASE, DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { AccessTokenPrincipalResolver } from './sender-principal';
import { PLATFORM_CONFIG, SENDER_REGISTRY } from './tokens';

/** What the platform loads before Nest starts: configuration, secrets, the sender registry. */
export interface PlatformContext {
  config: PlatformConfig;
  keyring: PlatformKeyring;
  senders: SenderRegistry;
  logger: ReturnType<typeof createStructuredLogger>;
  env: NodeJS.ProcessEnv;
  ports: InProcessPorts;
  /** Push provider settings pointing at the local emulators (npm start, tests). */
  pushOverride?: Partial<AppChannelConfig['push']>;
}

@Global()
@Module({})
class PlatformContextModule {
  static register(context: PlatformContext, senderTokens: AccessTokenVerifier | undefined): DynamicModule {
    const tokens = senderTokens ? [{ provide: AccessTokenVerifier, useValue: senderTokens }] : [];
    return {
      module: PlatformContextModule,
      providers: [
        { provide: PLATFORM_CONFIG, useValue: context.config },
        { provide: SENDER_REGISTRY, useValue: context.senders },
        ...tokens,
      ],
      exports: [PLATFORM_CONFIG, SENDER_REGISTRY, ...(senderTokens ? [AccessTokenVerifier] : [])],
    };
  }
}

/**
 * Observability the service modules do not wire themselves: every outbox of the application
 * writes trace context into the entries it stores (so the relay publishes them in the trace of
 * the work that wrote them, ADR 1201), and the status service's metrics are served by /metrics.
 */
@Injectable()
class PlatformObservability implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly metrics: MetricsRegistry,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  /** Every provider exists by now; nothing has written to an outbox yet (consumers start at bootstrap). */
  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      if (wrapper.instance instanceof Outbox) traceOutboxWrites(wrapper.instance);
    }
    if (this.config.services.has('status')) registerStatusMetrics(this.metrics);
  }
}

/** The platform process: every service module in one NestJS application. */
@Module({})
export class PlatformModule {
  static register(context: PlatformContext): DynamicModule {
    const { config, keyring, env, ports } = context;
    const hosts = (name: Parameters<typeof config.services.has>[0]) => config.services.has(name);
    const storage = { databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` };
    // Loaded once, where a sender-facing API runs: the gateway signs its access tokens with this
    // key (generated at start unless SMIS_GATEWAY_SIGNING_KEY is set), and the status and
    // broadcast APIs take the sender from those tokens, verified the same way, never from a
    // header (ADR 0803). Without the gateway in the process, the key must be the gateway's.
    const sendersApi = hosts('gateway') || hosts('status') || hosts('broadcast');
    if (sendersApi && !hosts('gateway') && !env['SMIS_GATEWAY_SIGNING_KEY']) {
      // Consuming and publishing work; only the HTTP API has no key to check tokens against.
      new Logger('Platform').warn(
        "status/broadcast without the gateway and without SMIS_GATEWAY_SIGNING_KEY: their HTTP APIs will refuse every access token (set the gateway's signing key)",
      );
    }
    const gatewayConfig = sendersApi ? loadGatewayConfig(env) : undefined;
    const senderTokens = gatewayConfig && new AccessTokenVerifier(gatewayConfig, context.senders);
    const identity = hosts('identity')
      ? IdentityModule.register(loadIdentityConfig(env, keyring))
      : undefined;
    const appChannel = hosts('app-channel')
      ? AppChannelModule.register(withPush(loadAppChannelConfig(env, keyring), context.pushOverride), {
          transcription: ports.transcription('app-channel'),
          credentials: ports.credentials(),
          senders: context.senders,
        })
      : undefined;
    const router = hosts('router')
      ? RouterModule.register(
          loadRouterConfig(
            env,
            keyring.pseudonym.domainKeys.find((k) => k.domain === 'router'),
          ),
          { transcryption: ports.transcription('router'), senders: context.senders },
        )
      : undefined;
    const status = hosts('status')
      ? StatusModule.register(
          // Every SMIS_STATUS_* setting from the environment; the key and storage are the platform's.
          validateStatusConfig({
            ...loadStatusConfig({ ...env, SMIS_STATUS_WEBHOOK_SECRET_KEY: keyring.statusWebhookSecretKey }),
            ...storage,
            webhookSecretKey: keyring.statusWebhookSecretKey,
          }),
          { principalResolver: AccessTokenPrincipalResolver },
        )
      : undefined;
    let gateway: DynamicModule | undefined;
    if (hosts('gateway')) {
      if (!appChannel || !router || !status) {
        throw new Error(
          'SMIS_SERVICES: the gateway needs app-channel, router and status in the same process (for now)',
        );
      }
      gateway = GatewayModule.registerAsync({
        imports: [appChannel, router, status],
        inject: [KEY_DIRECTORY, StatusService, RouterScorecardService],
        useFactory: (
          keyDirectory: KeyDirectoryPort,
          statusService: StatusService,
          scorecard: RouterScorecardService,
        ) => ({
          config: gatewayConfig as NonNullable<typeof gatewayConfig>,
          ports: { senders: context.senders, keyDirectory, status: statusService, scorecard },
        }),
      });
    }
    let broadcast: DynamicModule | undefined;
    if (hosts('broadcast')) {
      if (!appChannel)
        throw new Error('SMIS_SERVICES: broadcast needs app-channel in the same process (for now)');
      broadcast = BroadcastModule.registerAsync({
        principalResolver: AccessTokenPrincipalResolver,
        imports: [appChannel],
        inject: [BROADCAST_DELIVERY],
        useFactory: (delivery: BroadcastDeliveryPort) => ({
          config: { ...loadBroadcastConfig(env), ...storage },
          ports: { senders: context.senders, delivery },
        }),
      });
    }
    const services = [
      identity,
      appChannel,
      router,
      hosts('sms-channel')
        ? SmsChannelModule.register(loadSmsChannelConfig(env, keyring), { senders: context.senders })
        : undefined,
      hosts('email-channel')
        ? EmailChannelModule.register(loadEmailChannelConfig(env, keyring), { senders: context.senders })
        : undefined,
      status,
      gateway,
      broadcast,
    ].filter((m): m is DynamicModule => m !== undefined);
    return {
      module: PlatformModule,
      imports: [
        PlatformContextModule.register(context, senderTokens),
        // Records out and publish failures per topic, and W3C trace context on every record
        // produced and consumed (ADR 1201, ADR 1202).
        observeMessaging(
          MessagingModule.forRoot({
            connection: {
              brokers: config.kafkaBrokers,
              clientId: config.kafkaClientId,
              sasl: config.kafkaSasl && { mechanism: 'scram-sha-512', ...config.kafkaSasl },
              logger: pinoMessagingLogger(context.logger),
            },
          }),
        ),
        MetricsModule.forRoot({ defaultLabels: { service: 'platform' }, messaging: true }),
        DiscoveryModule,
        DatabaseModule,
        HealthModule,
        // Kubernetes probes: /health/live (the process answers) and /health/ready (Kafka and the database).
        HealthProbesModule.forRootAsync({
          inject: [HealthIndicatorService, KafkaClient, DATABASE],
          useFactory: (indicator: HealthIndicatorService, kafka: KafkaClient, database: Database) => ({
            readiness: [
              kafkaReadiness(indicator, kafka, config.healthTimeoutMs),
              async () => {
                const session = indicator.check('database');
                try {
                  await database.query('SELECT 1');
                  return session.up({ kind: database.kind });
                } catch (error) {
                  return session.down({ message: (error as Error).message });
                }
              },
            ],
          }),
        }),
        ...services,
      ],
      providers: [PlatformObservability],
    };
  }
}

function withPush(
  config: AppChannelConfig,
  push: Partial<AppChannelConfig['push']> | undefined,
): AppChannelConfig {
  return push ? { ...config, push: { ...config.push, ...push } } : config;
}
