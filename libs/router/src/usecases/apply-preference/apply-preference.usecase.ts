import { Inject, Injectable } from '@nestjs/common';
import type { Channel } from '@smis/contracts';
import type { DomainDecryptor } from '@smis/pseudonym';
import type { DataSource } from 'typeorm';
import { encryptedFromWire } from '../../domain/wire';
import { tableOf } from '../../plan/transaction';
import { ROUTER_DATA_SOURCE, ROUTER_DECRYPTOR } from '../../tokens';
import { ApplyPreferenceCommand } from './apply-preference.command';

export type PreferenceEffect = 'stored' | 'erased' | 'stale' | 'unattributable';

/**
 * Materializes a citizen's preferences by router-domain local pseudonym: decrypts `recipient`
 * with the router domain key; keeps the newest (`updatedAt`) whatever the arrival order; a
 * tombstone erases what the key stood for.
 */
@Injectable()
export class ApplyPreferenceUseCase {
  constructor(
    @Inject(ROUTER_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(ROUTER_DECRYPTOR) private readonly decryptor: DomainDecryptor,
  ) {}

  async execute(command: ApplyPreferenceCommand): Promise<PreferenceEffect> {
    const manager = this.dataSource.manager;
    const table = tableOf(manager, 'preference');
    const update = command.update;
    if (!update) {
      await manager.query(`DELETE FROM ${table} WHERE "source_key" = $1`, [command.sourceKey]);
      return 'erased';
    }
    if (!update.recipient) return 'unattributable';
    let local: string;
    try {
      local = this.decryptor.decrypt(encryptedFromWire(update.recipient, 'router'));
    } catch {
      return 'unattributable';
    }
    const known = (channel: Channel) => channel !== 'UNKNOWN';
    const written = await manager.query(
      `INSERT INTO ${table} ("recipient", "source_key", "channel_order", "muted_senders", "muted_categories", "updated_at")
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("recipient") DO UPDATE SET
         "source_key" = EXCLUDED."source_key", "channel_order" = EXCLUDED."channel_order",
         "muted_senders" = EXCLUDED."muted_senders", "muted_categories" = EXCLUDED."muted_categories",
         "updated_at" = EXCLUDED."updated_at"
       WHERE ${table}."updated_at" <= EXCLUDED."updated_at"
       RETURNING "recipient"`,
      [
        local,
        command.sourceKey,
        update.channelOrder.filter(known),
        [...update.mutedSenders],
        [...update.mutedCategories],
        update.updatedAt,
      ],
    );
    return written.length > 0 ? 'stored' : 'stale';
  }
}
