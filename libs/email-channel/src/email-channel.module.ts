import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { createAvroCodec, isDecodeError, type AvroCodec, type RecordTypes } from '@smis/contracts';
import {
  ConsumerRegistry,
  DecodeError,
  describeError,
  isProgrammerError,
  MessageProducer,
  MessagingError,
  RetriableError,
  type MessageConsumer,
  type MessageHandler,
} from '@smis/messaging';
import { Outbox, OutboxRelay, openServiceDataSource } from '@smis/persistence';
import type { SenderRegistry } from '@smis/senders';
import type { DataSource } from 'typeorm';
import { validateEmailChannelConfig, type EmailChannelConfig, type EmailChannelConfigInput } from './config';
import { AddressVault } from './crypto/address-vault';
import { EmailRecipients } from './email-recipients';
import { EMAIL_CHANNEL_ENTITIES } from './entities';
import { EMAIL_CHANNEL_MIGRATIONS } from './migrations';
import { SmtpSender } from './smtp/smtp-sender';
import { EMAIL_CODEC, EMAIL_CONFIG, EMAIL_DATA_SOURCE, EMAIL_OUTBOX, EMAIL_SENDERS } from './tokens';
import { RegisterAddressUseCase } from './usecases/register-address/register-address.usecase';
import { SendEmailUseCase } from './usecases/send-email/send-email.usecase';

function decodingHandler<N extends keyof RecordTypes>(
  codec: AvroCodec,
  name: N,
  handle: (value: RecordTypes[N]) => Promise<unknown>,
): MessageHandler {
  return async (record) => {
    const where = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (record.value === null) throw new DecodeError(`A ${name} without a value cannot be handled`, where);
    let value: RecordTypes[N];
    try {
      value = (await codec.decode(name, record.value)) as RecordTypes[N];
    } catch (error) {
      if (isDecodeError(error))
        throw new DecodeError(`Undecodable ${name}: ${describeError(error)}`, { ...where, cause: error });
      throw new RetriableError(`Could not decode the ${name}: ${describeError(error)}`, {
        ...where,
        cause: error,
      });
    }
    try {
      await handle(value);
    } catch (error) {
      if (error instanceof MessagingError || isProgrammerError(error)) throw error;
      throw new RetriableError(`Could not handle the ${name}: ${describeError(error)}`, {
        ...where,
        cause: error,
      });
    }
  };
}

/**
 * Consumers (registrations, jobs; each `partitionsConsumedConcurrently` partitions at a time), the
 * outbox relay, the SMTP transport: started and stopped in order. The channel does not consume
 * smis.events.v1: `topics.events` is where it publishes.
 */
@Injectable()
export class EmailChannelLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('EmailChannel');
  private readonly consumers: MessageConsumer[] = [];
  private readonly relay: OutboxRelay;

  constructor(
    @Inject(EMAIL_CONFIG) private readonly config: EmailChannelConfig,
    @Inject(EMAIL_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(EMAIL_OUTBOX) outbox: Outbox,
    @Inject(EMAIL_CODEC) private readonly codec: AvroCodec,
    producer: MessageProducer,
    private readonly registry: ConsumerRegistry,
    private readonly register: RegisterAddressUseCase,
    private readonly send: SendEmailUseCase,
    private readonly smtp: SmtpSender,
  ) {
    this.relay = new OutboxRelay(outbox, {
      dataSource,
      producer,
      logger: {
        warn: (message, fields) => this.logger.warn(`${message} ${JSON.stringify(fields ?? {})}`),
        error: (message, fields) => this.logger.error(`${message} ${JSON.stringify(fields ?? {})}`),
      },
    });
  }

  onModuleInit(): void {
    const { topics, consumerGroupPrefix: group, partitionsConsumedConcurrently } = this.config;
    this.consumers.push(
      this.registry.register({
        groupId: `${group}-registrations`,
        topics: [topics.registrations],
        fromBeginning: true,
        partitionsConsumedConcurrently,
        eachMessage: decodingHandler(this.codec, 'EmailRegistration', (r) => this.register.execute(r)),
      }),
      this.registry.register({
        groupId: `${group}-jobs`,
        topics: [topics.jobs],
        partitionsConsumedConcurrently,
        eachMessage: decodingHandler(this.codec, 'EmailChannelJob', (job) => this.send.execute(job)),
      }),
    );
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.consumers.map((c) =>
        c.stop().catch((e: unknown) => this.logger.warn(`Consumer stop: ${describeError(e)}`)),
      ),
    );
    this.smtp.close();
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

export interface EmailChannelModuleOptions {
  /** Verifies the senders' signatures on sealed e-mails. */
  senders: SenderRegistry;
}

/**
 * The e-mail channel: addresses by email-domain pseudonym (encrypted at rest), sealed e-mails
 * opened and verified, sent by SMTP (nodemailer: TLS, AUTH, optional DKIM). Needs the global
 * MessagingModule.
 */
@Module({})
export class EmailChannelModule {
  static register(
    input: EmailChannelConfigInput | EmailChannelConfig,
    options: EmailChannelModuleOptions,
  ): DynamicModule {
    const config = validateEmailChannelConfig(input as EmailChannelConfigInput);
    return {
      module: EmailChannelModule,
      providers: [
        { provide: EMAIL_CONFIG, useValue: config },
        { provide: EMAIL_SENDERS, useValue: options.senders },
        {
          provide: EMAIL_DATA_SOURCE,
          useFactory: (): Promise<DataSource> =>
            openServiceDataSource({
              databaseUrl: config.databaseUrl,
              dataDir: config.dataDir,
              schema: config.schema,
              entities: EMAIL_CHANNEL_ENTITIES,
              migrations: EMAIL_CHANNEL_MIGRATIONS,
              applicationName: 'smis-email-channel',
            }),
        },
        {
          provide: EMAIL_OUTBOX,
          inject: [EMAIL_DATA_SOURCE],
          useFactory: (ds: DataSource) => new Outbox(ds),
        },
        { provide: EMAIL_CODEC, useFactory: () => createAvroCodec() },
        { provide: AddressVault, useFactory: () => new AddressVault(config.channelKey) },
        { provide: SmtpSender, useFactory: () => new SmtpSender(config.smtp) },
        EmailRecipients,
        RegisterAddressUseCase,
        SendEmailUseCase,
        EmailChannelLifecycle,
      ],
      exports: [],
    };
  }
}
