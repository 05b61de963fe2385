import { Injectable } from '@nestjs/common';
import type { ServiceName } from '@smis/keyring';
import { itemError, type TranscryptionItemError } from '../../transcryption/transcription-errors';
import { TranscryptionService } from '../../transcryption/transcryption.service';
import type { TranscryptCommand } from './transcrypt.command';

export type TranscryptItemResult = { ok: true; value: string } | { ok: false; error: TranscryptionItemError };

export interface TranscryptResult {
  domain: string;
  /** One per input pseudonym, in input order. */
  results: TranscryptItemResult[];
}

/** `POST /v1/identity/transcrypt` for an authenticated calling service. */
@Injectable()
export class TranscryptUseCase {
  constructor(private readonly transcryption: TranscryptionService) {}

  async execute(caller: ServiceName, command: TranscryptCommand): Promise<TranscryptResult> {
    const outcomes = await this.transcryption.transcrypt(caller, command.pseudonyms, command.domain);
    return {
      domain: command.domain,
      results: outcomes.map((o) =>
        o.ok ? { ok: true, value: o.value } : { ok: false, error: itemError(o.error) },
      ),
    };
  }
}
