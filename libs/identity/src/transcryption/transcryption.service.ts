import { Inject, Injectable } from '@nestjs/common';
import type { ServiceName } from '@smis/keyring';
import {
  isPseudonymDomain,
  type BatchOutcome,
  type EncryptedPseudonym,
  type PolymorphicPseudonym,
  type PseudonymDomain,
  type PseudonymWorkerPool,
  type TranscryptionPort,
} from '@smis/pseudonym';
import type { IdentityConfig } from '../config';
import { ForbiddenError, InvalidRequestError } from '../errors';
import { IDENTITY_CONFIG, IDENTITY_POOL } from '../tokens';
import { isEntitled } from './entitlements';

/**
 * The transcryptor as a service: entitlement checks per calling service, batch size bound, and
 * the work on the worker pool. HTTP (`POST /v1/identity/transcrypt`) and the in-process ports
 * both come through here.
 */
@Injectable()
export class TranscryptionService {
  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(IDENTITY_POOL) private readonly pool: PseudonymWorkerPool,
  ) {}

  /** Throws ForbiddenError when `caller` may not obtain `domain`, InvalidRequestError for a bad batch. */
  async transcrypt(
    caller: ServiceName,
    pseudonyms: readonly PolymorphicPseudonym[],
    domain: PseudonymDomain,
  ): Promise<BatchOutcome<EncryptedPseudonym>[]> {
    if (!isPseudonymDomain(domain))
      throw new InvalidRequestError([{ field: 'domain', message: 'must be one of router, app, sms, email' }]);
    if (!isEntitled(caller, domain))
      throw new ForbiddenError(`service '${caller}' may not obtain pseudonyms of domain '${domain}'`);
    if (!Array.isArray(pseudonyms))
      throw new InvalidRequestError([{ field: 'pseudonyms', message: 'must be an array' }]);
    if (pseudonyms.length > this.config.transcryption.maxBatchSize)
      throw new InvalidRequestError([
        { field: 'pseudonyms', message: `at most ${this.config.transcryption.maxBatchSize} per call` },
      ]);
    if (pseudonyms.length === 0) return [];
    return this.pool.transcryptBatch(pseudonyms, domain);
  }

  /** An in-process TranscryptionPort for one calling service, with its entitlements. */
  portFor(caller: ServiceName): TranscryptionPort {
    return { transcrypt: (pseudonyms, domain) => this.transcrypt(caller, pseudonyms, domain) };
  }
}

/** The in-process TranscryptionPort of `caller` (apps/platform wires it into that service). */
export function createTranscryptionPort(
  service: TranscryptionService,
  caller: ServiceName,
): TranscryptionPort {
  return service.portFor(caller);
}
