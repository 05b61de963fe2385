import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { loadOrCreateKeyring } from '@smis/keyring';
import { createKafka } from '@smis/messaging';
import { createStructuredLogger, PinoLoggerService, pinoMessagingLogger } from '@smis/observability';
import { createSenderRegistry, loadSenderRegistry } from '@smis/senders';
import { CredentialVerifier, createTranscryptionPort, TranscryptionService } from '@smis/identity';
import { PlatformModule } from './app.module';
import { InProcessPorts } from './ports';
import { startSimulators, type RunningSimulators } from './simulators';
import { loadPlatformConfig, type PlatformConfig } from './config';
import { DEFAULT_PROVISIONING_FILE, ensurePlatformTopics } from './topics';

export interface RunningPlatform {
  app: INestApplication;
  config: PlatformConfig;
  url: string;
  /** Where the local emulators listen (empty with SMIS_SIMULATORS=false). */
  simulators: Record<string, string>;
  /** The SMS gateway simulator and SMTP capture when they run (tests read codes and mails). */
  smsGateway?: RunningSimulators['smsGateway'];
  smtp?: RunningSimulators['smtp'];
  close(): Promise<void>;
}

/**
 * Creates and starts the platform. `close()` runs every module's shutdown hooks (consumers commit
 * what they processed, producers flush, databases close); main.ts calls it on SIGINT/SIGTERM.
 */
export async function bootstrap(
  env: NodeJS.ProcessEnv = process.env,
  options: {
    /** Where log lines go (default stdout); tests collect them. */ logDestination?: {
      write(line: string): void;
    };
  } = {},
): Promise<RunningPlatform> {
  const loaded = loadPlatformConfig(env);
  // Services name their own URLs (OAuth audience, OIDC redirect), so PORT=0 is resolved up front.
  const config = loaded.port === 0 ? { ...loaded, port: await freePort(loaded.host) } : loaded;
  const ownUrl = `http://${config.host}:${config.port}`;
  const pino = createStructuredLogger({
    service: 'platform',
    level: config.logLevel,
    destination: options.logDestination,
  });
  const logger = new PinoLoggerService(pino);
  const { keyring, created } = loadOrCreateKeyring(config.keyringFile);
  if (created)
    logger.log(`Generated the local platform keys in ${config.keyringFile} (keep it private)`, 'Platform');
  const senders = existsSync(config.sendersFile)
    ? loadSenderRegistry(config.sendersFile)
    : createSenderRegistry([]);
  if (config.provisionTopics) {
    const client = createKafka({
      brokers: config.kafkaBrokers,
      clientId: `${config.kafkaClientId}-provisioning`,
      sasl: config.kafkaSasl && { mechanism: 'scram-sha-512', ...config.kafkaSasl },
      logger: pinoMessagingLogger(pino),
    });
    const file = config.provisioningFile ?? DEFAULT_PROVISIONING_FILE;
    const topics = await ensurePlatformTopics(
      client,
      file,
      config.provisioningProfile,
      senders.list().map((s) => s.senderId),
    );
    if (topics.created > 0) logger.log(`Created ${topics.created} topic(s) from ${file}`, 'Platform');
  }
  const ports = new InProcessPorts();
  const simulators = await startSimulators(config, env);
  const app = await NestFactory.create<NestExpressApplication>(
    PlatformModule.register({
      config,
      keyring,
      senders,
      logger: pino,
      env: { SMIS_GATEWAY_TOKEN_URL: `${ownUrl}/v1/gateway/oauth/token`, ...simulators.env, ...env },
      ports,
      pushOverride: simulators.push,
    }),
    { logger, bufferLogs: false, rawBody: true },
  );
  if (config.services.has('identity')) {
    const transcryption = app.get(TranscryptionService);
    ports.bind({
      transcriptionFor: (caller) => createTranscryptionPort(transcryption, caller),
      credentials: app.get(CredentialVerifier),
    });
  }
  // The citizen app, when built (npm start builds it): same origin as the APIs it calls.
  const appDist = env.SMIS_CITIZEN_APP_DIR ?? path.resolve(__dirname, '../../../dist/apps/citizen-app');
  if (existsSync(path.join(appDist, 'index.html'))) app.useStaticAssets(appDist, { prefix: '/app/' });
  // Above the gateway's own request limit, so its RFC 9457 answer (413) is the one senders see.
  app.useBodyParser('json', { limit: '1mb' });
  SwaggerModule.setup(
    'docs',
    app,
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('SMIS platform')
        .setDescription(
          'Secure government messages to citizens: gateway, identity, app channel, status, SMS channel',
        )
        .setVersion('1')
        .build(),
    ),
  );
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.host}:${address.port}`;
  // Delivery reports come back to this process's HTTP server, whose port is known only now.
  simulators.smsGateway?.setCallback(`${url}/v1/sms/delivery-reports/gateway`);
  const startedAt = Number(env.SMIS_STARTED_AT ?? Date.now() - process.uptime() * 1000);
  if (Object.keys(simulators.urls).length > 0) {
    // For `npm start` and people: where the local emulators listen.
    writeFileSync(
      path.join(config.dataDir, 'simulators.json'),
      `${JSON.stringify(simulators.urls, null, 2)}\n`,
    );
  }
  for (const [name, simulatorUrl] of Object.entries(simulators.urls))
    logger.log(`${name}: ${simulatorUrl}`, 'Simulators');
  logger.log(
    `SMIS platform listening on ${url} (health: ${url}/health), ${senders.list().length} sender(s), ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    'Platform',
  );
  return {
    app,
    config,
    url,
    simulators: simulators.urls,
    smsGateway: simulators.smsGateway,
    smtp: simulators.smtp,
    close: async () => {
      await app.close();
      await simulators.close();
      logger.log('SMIS platform stopped', 'Platform');
    },
  };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
