import { Module, type DynamicModule } from '@nestjs/common';
import { createAvroCodec } from '@smis/contracts';
import { Outbox, openServiceDataSource } from '@smis/persistence';
import { createPseudonymWorkerPool, type PseudonymWorkerPool } from '@smis/pseudonym';
import type { DataSource } from 'typeorm';
import { systemClock, type Clock } from './clock';
import { validateIdentityConfig, type IdentityConfig, type IdentityConfigInput } from './config';
import { CredentialIssuer, CredentialVerifier } from './credential/credential';
import { CitizenPseudonyms } from './enrolment/citizen-pseudonyms';
import { EnrolmentRecords } from './enrolment/enrolment-records';
import { RateLimiter } from './enrolment/rate-limiter';
import { IDENTITY_ENTITIES } from './entities';
import { EnrolmentController } from './http/enrolment.controller';
import { TranscryptController } from './http/transcrypt.controller';
import { IdentityLifecycle } from './identity.lifecycle';
import { IDENTITY_MIGRATIONS } from './migrations';
import { OidcRelyingParty } from './oidc/oidc-relying-party';
import {
  IDENTITY_CLOCK,
  IDENTITY_CODEC,
  IDENTITY_CONFIG,
  IDENTITY_DATA_SOURCE,
  IDENTITY_OUTBOX,
  IDENTITY_POOL,
} from './tokens';
import { ServiceAuthenticator } from './transcryption/service-auth';
import { TranscryptionService } from './transcryption/transcryption.service';
import { CompleteOidcEnrolmentUseCase } from './usecases/complete-oidc-enrolment/complete-oidc-enrolment.usecase';
import { StartOidcEnrolmentUseCase } from './usecases/start-oidc-enrolment/start-oidc-enrolment.usecase';
import { StartPhoneEnrolmentUseCase } from './usecases/start-phone-enrolment/start-phone-enrolment.usecase';
import { TranscryptUseCase } from './usecases/transcrypt/transcrypt.usecase';
import { VerifyPhoneEnrolmentUseCase } from './usecases/verify-phone-enrolment/verify-phone-enrolment.usecase';

export interface IdentityModuleOptions {
  /** The service's clock (default: the system clock); tests move it to expire codes. */
  clock?: Clock;
}

/**
 * The identity service: phone enrolment (SMS code), strong-authentication enrolment (OIDC), the
 * enrolment credential and its keys, and the transcryptor (`/v1/identity`). Needs the global
 * MessagingModule (MessageProducer, for the outbox relay). Exports TranscryptionService (for
 * in-process TranscryptionPorts) and CredentialVerifier (for the app channel).
 */
@Module({})
export class IdentityModule {
  static register(
    input: IdentityConfig | IdentityConfigInput,
    options: IdentityModuleOptions = {},
  ): DynamicModule {
    const config = validateIdentityConfig(input as IdentityConfigInput);
    return {
      module: IdentityModule,
      controllers: [EnrolmentController, TranscryptController],
      providers: [
        { provide: IDENTITY_CONFIG, useValue: config },
        { provide: IDENTITY_CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: IDENTITY_DATA_SOURCE,
          useFactory: (): Promise<DataSource> =>
            openServiceDataSource({
              databaseUrl: config.databaseUrl,
              dataDir: config.dataDir,
              schema: config.schema,
              entities: IDENTITY_ENTITIES,
              migrations: IDENTITY_MIGRATIONS,
              applicationName: 'smis-identity',
            }),
        },
        {
          provide: IDENTITY_OUTBOX,
          inject: [IDENTITY_DATA_SOURCE],
          useFactory: (ds: DataSource) => new Outbox(ds),
        },
        { provide: IDENTITY_CODEC, useFactory: () => createAvroCodec() },
        {
          provide: IDENTITY_POOL,
          useFactory: (): PseudonymWorkerPool =>
            createPseudonymWorkerPool({
              transcryptor: config.transcryptor,
              size: config.transcryption.workers,
            }),
        },
        {
          provide: CredentialIssuer,
          useFactory: () =>
            CredentialIssuer.create({
              privateKey: config.credential.privateKey,
              issuer: config.credential.issuer,
              ttlSeconds: config.credential.ttlSeconds,
            }),
        },
        {
          provide: CredentialVerifier,
          inject: [IDENTITY_CLOCK],
          useFactory: (clock: Clock) =>
            CredentialVerifier.create({
              keys: [config.credential.publicKey, ...config.credential.previousPublicKeys],
              issuer: config.credential.issuer,
              now: () => clock.now(),
            }),
        },
        { provide: ServiceAuthenticator, useFactory: () => new ServiceAuthenticator(config.serviceTokens) },
        TranscryptionService,
        CitizenPseudonyms,
        EnrolmentRecords,
        RateLimiter,
        OidcRelyingParty,
        StartPhoneEnrolmentUseCase,
        VerifyPhoneEnrolmentUseCase,
        StartOidcEnrolmentUseCase,
        CompleteOidcEnrolmentUseCase,
        TranscryptUseCase,
        IdentityLifecycle,
      ],
      exports: [TranscryptionService, CredentialVerifier],
    };
  }
}
