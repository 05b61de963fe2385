import type { EntityManager } from 'typeorm';
import type { AppChannelStore, DeviceRow } from '../store';

/** A stored broadcast as the inbox shows it to one device. */
export interface BroadcastRow {
  seq: string;
  broadcast_id: string;
  sender_id: string;
  sender_key_id: string;
  category: string;
  priority: string;
  envelope: Buffer;
  signature: Buffer;
  signing_input: Buffer;
  published_at: Date;
  expires_at: Date;
  delivered_at: Date | null;
  read_at: Date | null;
}

/**
 * The condition "broadcast `b` is for the device `$<device>`": published, not cancelled, not
 * expired, not deleted by this device, and the device's citizen is in the audience (everyone;
 * a region among the alert regions of one of the device's pseudonyms; or filed in the list).
 * `r` is the device's receipt (LEFT JOIN).
 */
export function visibleTo(store: AppChannelStore, device: string): string {
  return `b."seq" IS NOT NULL AND b."cancelled_at" IS NULL AND b."expires_at" > now() AND r."deleted_at" IS NULL
    AND (b."audience" = 'EVERYONE'
      OR (b."audience" = 'REGIONS' AND EXISTS (
            SELECT 1 FROM ${store.devicePseudonym} dp JOIN ${store.citizen} c ON c."pseudonym" = dp."pseudonym"
             WHERE dp."device_id" = ${device} AND c."preferences" -> 'alertRegions' ?| b."regions"))
      OR (b."audience" = 'LIST' AND EXISTS (
            SELECT 1 FROM ${store.devicePseudonym} dp JOIN ${store.broadcastRecipient} x
                ON x."pseudonym" = dp."pseudonym" AND x."broadcast_id" = b."broadcast_id"
             WHERE dp."device_id" = ${device})))`;
}

/** The broadcast, when the device may see it. */
export async function broadcastForDevice(
  store: AppChannelStore,
  broadcastId: string,
  device: DeviceRow,
  manager?: EntityManager,
): Promise<BroadcastRow | undefined> {
  const [row] = await store.query<BroadcastRow>(
    `SELECT b.*, r."delivered_at", r."read_at" FROM ${store.broadcast} b
       LEFT JOIN ${store.broadcastReceipt} r ON r."broadcast_id" = b."broadcast_id" AND r."device_id" = $2
      WHERE b."broadcast_id" = $1 AND ${visibleTo(store, '$2')}`,
    [broadcastId, device.device_id],
    manager,
  );
  return row;
}
