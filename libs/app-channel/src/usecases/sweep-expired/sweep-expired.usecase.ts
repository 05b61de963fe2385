import { Injectable } from '@nestjs/common';
import { AppChannelStore } from '../../store';

/** Deletes expired messages (envelopes included) and replay records out of their window. */
@Injectable()
export class SweepExpiredUseCase {
  constructor(private readonly store: AppChannelStore) {}

  async execute(): Promise<{ messages: number; nonces: number }> {
    const messages = await this.store.mutate<{ message_id: string }>(
      `DELETE FROM ${this.store.inbox} WHERE "expires_at" <= now() RETURNING "message_id"`,
    );
    const nonces = await this.store.mutate<{ digest: string }>(
      `DELETE FROM ${this.store.nonce} WHERE "expires_at" <= now() RETURNING "digest"`,
    );
    return { messages: messages.length, nonces: nonces.length };
  }
}
