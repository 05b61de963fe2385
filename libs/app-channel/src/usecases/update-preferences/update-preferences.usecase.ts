import { Inject, Injectable } from '@nestjs/common';
import type { AvroCodec, PreferenceUpdate } from '@smis/contracts';
import type { Outbox, OutboxEntry } from '@smis/persistence';
import type { PolymorphicPseudonym } from '@smis/pseudonym';
import type { AppChannelConfig } from '../../config';
import { BroadcastTopics } from '../../broadcast/broadcast-topics';
import { AppChannelError } from '../../errors';
import type { AppChannelPorts } from '../../ports';
import { toWire } from '../../pseudonyms';
import { AppChannelStore } from '../../store';
import { APP_CHANNEL_CODEC, APP_CHANNEL_CONFIG, APP_CHANNEL_OUTBOX, APP_CHANNEL_PORTS } from '../../tokens';
import { GetPreferencesUseCase, type PreferencesView } from '../get-preferences/get-preferences.usecase';
import type { UpdatePreferencesCommand } from './update-preferences.command';

/**
 * Stores the preferences under each of the device's pseudonyms and publishes the whole state to
 * `smis.preferences.v1`, keyed by the app-domain local pseudonym, with `recipient` = the
 * router-domain encrypted pseudonym the transcryptor makes of the stored polymorphic pseudonym.
 */
@Injectable()
export class UpdatePreferencesUseCase {
  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    @Inject(APP_CHANNEL_OUTBOX) private readonly outbox: Outbox,
    @Inject(APP_CHANNEL_CODEC) private readonly codec: AvroCodec,
    @Inject(APP_CHANNEL_PORTS) private readonly ports: AppChannelPorts,
    private readonly store: AppChannelStore,
    private readonly current: GetPreferencesUseCase,
    private readonly topics: BroadcastTopics,
  ) {}

  async execute(command: UpdatePreferencesCommand): Promise<PreferencesView> {
    const { updatedAt: _previous, ...before } = await this.current.execute(command.device);
    const next = { ...before, ...command.changes };
    const citizens = await this.store.query<{ pseudonym: string; polymorphic_pseudonym: string | null }>(
      `SELECT c."pseudonym", c."polymorphic_pseudonym" FROM ${this.store.citizen} c
         JOIN ${this.store.devicePseudonym} p ON p."pseudonym" = c."pseudonym" WHERE p."device_id" = $1
        ORDER BY c."pseudonym"`,
      [command.device.device_id],
    );
    const withPp = citizens.filter((c) => c.polymorphic_pseudonym);
    const routerPseudonyms = await this.ports.transcription.transcrypt(
      withPp.map((c) => c.polymorphic_pseudonym as PolymorphicPseudonym),
      'router',
    );
    const updatedAt = Date.now();
    const entries: OutboxEntry[] = [];
    for (const [i, citizen] of withPp.entries()) {
      const outcome = routerPseudonyms[i];
      if (!outcome.ok)
        throw new AppChannelError(`The transcryptor refused a stored pseudonym (${outcome.error.name})`);
      const update: PreferenceUpdate = { ...next, updatedAt, recipient: toWire(outcome.value, 'router') };
      entries.push({
        topic: this.config.preferencesTopic,
        key: citizen.pseudonym,
        value: await this.codec.encode('PreferenceUpdate', update),
      });
    }
    await this.store.dataSource.transaction(async (manager) => {
      await this.store.query(
        `UPDATE ${this.store.citizen} SET "preferences" = $2::jsonb, "preferences_updated_at" = to_timestamp($3 / 1000.0)
          WHERE "pseudonym" = ANY($1::text[])`,
        [citizens.map((c) => c.pseudonym), JSON.stringify(next), updatedAt],
        manager,
      );
      await this.outbox.add(manager, entries);
    });
    this.outbox.notify();
    if (command.changes.alertRegions) await this.topics.syncPseudonyms(citizens.map((c) => c.pseudonym));
    return { ...next, updatedAt: new Date(updatedAt).toISOString() };
  }
}
