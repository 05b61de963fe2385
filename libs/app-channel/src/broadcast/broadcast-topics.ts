import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '@smis/messaging';
import type { AppChannelConfig } from '../config';
import { supportsTopics, type PushProvider, type PushProviderKind } from '../push/push-provider';
import { AppChannelStore } from '../store';
import { APP_CHANNEL_CONFIG, PUSH_PROVIDERS } from '../tokens';

/** FCM topic names of broadcasts (ADR 1100). */
export function countryTopic(prefix: string): string {
  return `${prefix}-all`;
}

export function regionTopic(prefix: string, region: string): string {
  return `${prefix}-region-${region}`;
}

/**
 * Keeps each FCM device subscribed to the broadcast topics of its citizen: the country topic,
 * and one topic per alert region in the preferences. Called after registration, a device update,
 * a revocation and a preferences change. What is subscribed is kept in `device_topic`, so a
 * changed token or a dropped region is unsubscribed. Best effort: a provider failure is logged and
 * the next change (or re-registration) reconciles.
 */
@Injectable()
export class BroadcastTopics {
  private readonly logger = new Logger('AppChannel');

  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    @Inject(PUSH_PROVIDERS) private readonly providers: Partial<Record<PushProviderKind, PushProvider>>,
    private readonly store: AppChannelStore,
  ) {}

  /** The devices filed under any of `pseudonyms`. */
  async syncPseudonyms(pseudonyms: readonly string[]): Promise<void> {
    if (pseudonyms.length === 0) return;
    const rows = await this.store.query<{ device_id: string }>(
      `SELECT DISTINCT "device_id" FROM ${this.store.devicePseudonym} WHERE "pseudonym" = ANY($1::text[])`,
      [pseudonyms],
    );
    for (const row of rows) await this.syncDevice(row.device_id);
  }

  async syncDevice(deviceId: string): Promise<void> {
    const fcm = this.providers.fcm;
    if (!supportsTopics(fcm)) return;
    try {
      const device = await this.store.findDevice(deviceId);
      const wanted = new Set<string>();
      const token =
        device?.active && device.notifications_enabled && device.push_provider === 'fcm'
          ? device.push_token
          : null;
      if (token) {
        const prefix = this.config.broadcastTopicPrefix;
        wanted.add(countryTopic(prefix));
        const regions = await this.store.query<{ region: string }>(
          `SELECT DISTINCT jsonb_array_elements_text(c."preferences" -> 'alertRegions') AS "region"
             FROM ${this.store.citizen} c JOIN ${this.store.devicePseudonym} p ON p."pseudonym" = c."pseudonym"
            WHERE p."device_id" = $1 AND c."preferences" IS NOT NULL`,
          [deviceId],
        );
        for (const { region } of regions) wanted.add(regionTopic(prefix, region));
      }
      const current = await this.store.query<{ topic: string; token: string }>(
        `SELECT "topic", "token" FROM ${this.store.deviceTopic} WHERE "device_id" = $1`,
        [deviceId],
      );
      for (const row of current) {
        if (wanted.has(row.topic) && row.token === token) {
          wanted.delete(row.topic);
          continue;
        }
        await fcm.unsubscribe(row.topic, [row.token]);
        await this.store.query(
          `DELETE FROM ${this.store.deviceTopic} WHERE "device_id" = $1 AND "topic" = $2`,
          [deviceId, row.topic],
        );
      }
      if (!token) return;
      for (const topic of wanted) {
        const refused = await fcm.subscribe(topic, [token]);
        if (refused.length > 0) continue;
        await this.store.query(
          `INSERT INTO ${this.store.deviceTopic} ("device_id", "topic", "token") VALUES ($1, $2, $3)
           ON CONFLICT ("device_id", "topic") DO UPDATE SET "token" = EXCLUDED."token"`,
          [deviceId, topic, token],
        );
      }
    } catch (error) {
      this.logger.warn(`Broadcast topic subscription of device ${deviceId} failed: ${describeError(error)}`);
    }
  }
}
