import { Injectable } from '@nestjs/common';
import type { Channel } from '@smis/contracts';
import { AppChannelStore, type DeviceRow } from '../../store';

export interface PreferencesView {
  /** Channels in the citizen's order; those left out are a last resort. */
  channelOrder: Channel[];
  mutedSenders: string[];
  mutedCategories: string[];
  alertRegions: string[];
  updatedAt: string | null;
}

export const DEFAULT_PREFERENCES: Omit<PreferencesView, 'updatedAt'> = {
  channelOrder: ['APP', 'SMS', 'EMAIL'],
  mutedSenders: [],
  mutedCategories: [],
  alertRegions: [],
};

/** The citizen's preferences (kept identical under each of the device's pseudonyms). */
@Injectable()
export class GetPreferencesUseCase {
  constructor(private readonly store: AppChannelStore) {}

  async execute(device: DeviceRow): Promise<PreferencesView> {
    const [row] = await this.store.query<{
      preferences: Omit<PreferencesView, 'updatedAt'> | null;
      preferences_updated_at: Date | null;
    }>(
      `SELECT c."preferences", c."preferences_updated_at" FROM ${this.store.citizen} c
         JOIN ${this.store.devicePseudonym} p ON p."pseudonym" = c."pseudonym"
        WHERE p."device_id" = $1 AND c."preferences" IS NOT NULL
        ORDER BY c."preferences_updated_at" DESC LIMIT 1`,
      [device.device_id],
    );
    return {
      ...DEFAULT_PREFERENCES,
      ...(row?.preferences ?? {}),
      updatedAt: row?.preferences_updated_at ? new Date(row.preferences_updated_at).toISOString() : null,
    };
  }
}
