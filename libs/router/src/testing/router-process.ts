/**
 * A router alone in a process, for the crash test: `node tools/run-ts.cjs
 * libs/router/src/testing/router-process.ts <setup.json>`. Prints `ready` once consuming.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagingModule, silentLogger } from '@smis/messaging';
import { createTranscryptor, type DomainKeyConfig, type TranscryptorConfig } from '@smis/pseudonym';
import { createSenderRegistry } from '@smis/senders';
import { readFileSync } from 'node:fs';
import type { RouterTopics } from '../config';
import { RouterModule } from '../router.module';

interface Setup {
  brokers: string[];
  databaseUrl: string;
  schema: string;
  topics: RouterTopics;
  consumerGroupPrefix: string;
  transcryptor: TranscryptorConfig;
  routerDomainKey: DomainKeyConfig;
  senders: unknown[];
}

async function main(): Promise<void> {
  const setup = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Setup;
  const transcryptor = createTranscryptor(setup.transcryptor);
  @Module({
    imports: [
      MessagingModule.forRoot({
        connection: { brokers: setup.brokers, clientId: 'router-process', logger: silentLogger },
      }),
      RouterModule.register(
        {
          databaseUrl: setup.databaseUrl,
          schema: setup.schema,
          routerDomainKey: setup.routerDomainKey,
          topics: setup.topics,
          consumerGroupPrefix: setup.consumerGroupPrefix,
          retryDelaysMs: [200],
        },
        {
          senders: createSenderRegistry(setup.senders),
          transcryption: {
            transcrypt: async (pseudonyms, domain) => transcryptor.transcryptBatch(pseudonyms, domain),
          },
        },
      ),
    ],
  })
  class RouterProcessModule {}
  const app = await NestFactory.createApplicationContext(RouterProcessModule, { logger: false });
  await app.init();
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: Error) => {
  process.stderr.write(`router process failed: ${error.message}\n`);
  process.exit(1);
});
