import { Inject, Injectable } from '@nestjs/common';
import {
  createPseudonymizer,
  type EncryptedPseudonym,
  type PolymorphicPseudonym,
  type PseudonymDomain,
  type Pseudonymizer,
  type PseudonymWorkerPool,
} from '@smis/pseudonym';
import type { IdentityConfig } from '../config';
import { IDENTITY_CONFIG, IDENTITY_POOL } from '../tokens';

/**
 * The pseudonyms identity computes for its own enrolments: polymorphic pseudonyms of
 * identifiers, their re-randomizations, and transcriptions (on the worker pool). Nothing is kept.
 */
@Injectable()
export class CitizenPseudonyms {
  private readonly pseudonymizer: Pseudonymizer;

  constructor(
    @Inject(IDENTITY_CONFIG) config: IdentityConfig,
    @Inject(IDENTITY_POOL) private readonly pool: PseudonymWorkerPool,
  ) {
    this.pseudonymizer = createPseudonymizer(config.systemPublicKey);
  }

  /** `tel:+32...` or `niss:...` (already canonical). */
  polymorphic(canonicalIdentifier: string): PolymorphicPseudonym {
    return this.pseudonymizer.polymorphicPseudonym(canonicalIdentifier);
  }

  rerandomize(pp: PolymorphicPseudonym): PolymorphicPseudonym {
    return this.pseudonymizer.rerandomize(pp);
  }

  async transcrypt(
    pps: readonly PolymorphicPseudonym[],
    domain: PseudonymDomain,
  ): Promise<EncryptedPseudonym[]> {
    const outcomes = await this.pool.transcryptBatch(pps, domain);
    return outcomes.map((o) => {
      if (!o.ok) throw o.error;
      return o.value;
    });
  }

  /** The credential's `app` and `pp` claims for these identifiers' polymorphic pseudonyms. */
  async credentialPseudonyms(
    pps: readonly PolymorphicPseudonym[],
  ): Promise<{ app: EncryptedPseudonym[]; pp: PolymorphicPseudonym[] }> {
    const app = await this.transcrypt(
      pps.map((p) => this.rerandomize(p)),
      'app',
    );
    return { app, pp: pps.map((p) => this.rerandomize(p)) };
  }

  /** The sms-domain pseudonym as the raw 64-byte ciphertext PhoneRegistration carries. */
  async smsRecipient(pp: PolymorphicPseudonym): Promise<Buffer> {
    const [encrypted] = await this.transcrypt([this.rerandomize(pp)], 'sms');
    return Buffer.from(encrypted, 'base64url').subarray(1);
  }
}
