import { Inject, Injectable } from '@nestjs/common';
import { Coalescer, preparedQuery } from '@smis/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppChannelConfig } from './config';
import { APP_CHANNEL_CONFIG, APP_CHANNEL_DATA_SOURCE } from './tokens';

export interface DeviceRow {
  device_id: string;
  key_id: string;
  encryption_public_key: string;
  signing_public_key: string;
  push_provider: string | null;
  push_token: string | null;
  notifications_enabled: boolean;
  locale: string | null;
  app_version: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface MessageRow {
  seq: string;
  message_id: string;
  pseudonym: string;
  sender_id: string;
  plan_id: string;
  attempt: number;
  priority: string;
  envelope: Buffer | null;
  key_ids: string[];
  received_at: Date;
  expires_at: Date;
  dispatched_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
}

/** The app channel's tables, by qualified name, and the queries several use cases share. */
@Injectable()
export class AppChannelStore {
  readonly device: string;
  readonly devicePseudonym: string;
  readonly citizen: string;
  readonly inbox: string;
  readonly nonce: string;
  readonly broadcast: string;
  readonly broadcastRecipient: string;
  readonly broadcastReceipt: string;
  readonly deviceTopic: string;
  /** The inbox's sequence: messages and published broadcasts share one order (one sync cursor). */
  readonly inboxSeq: string;

  constructor(
    @Inject(APP_CHANNEL_CONFIG) config: AppChannelConfig,
    @Inject(APP_CHANNEL_DATA_SOURCE) readonly dataSource: DataSource,
  ) {
    const t = (name: string) => `"${config.schema}"."${name}"`;
    this.device = t('device');
    this.devicePseudonym = t('device_pseudonym');
    this.citizen = t('citizen');
    this.inbox = t('inbox_message');
    this.nonce = t('request_nonce');
    this.broadcast = t('broadcast');
    this.broadcastRecipient = t('broadcast_recipient');
    this.broadcastReceipt = t('broadcast_receipt');
    this.deviceTopic = t('device_topic');
    this.inboxSeq = t('inbox_message_seq_seq');
  }

  query<T>(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    return (manager ?? this.dataSource.manager).query(sql, params) as Promise<T[]>;
  }

  /**
   * A statement of fixed text as a named prepared statement (hot paths): the rows, also for
   * UPDATE/DELETE … RETURNING.
   */
  prepared<T>(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    return preparedQuery<T>(manager ?? this.dataSource.manager, sql, params);
  }

  /** UPDATE/DELETE … RETURNING: TypeORM answers `[rows, count]` for those; this gives the rows. */
  async mutate<T>(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    const result = (await (manager ?? this.dataSource.manager).query(sql, params)) as unknown;
    if (
      Array.isArray(result) &&
      result.length === 2 &&
      Array.isArray(result[0]) &&
      typeof result[1] === 'number'
    )
      return result[0] as T[];
    return result as T[];
  }

  /**
   * The device of a signed request, outside any transaction: the lookups of concurrent requests
   * share one statement (group commit).
   */
  lookupDevice(deviceId: string): Promise<DeviceRow | undefined> {
    return this.deviceLookups.submit(deviceId);
  }

  private readonly deviceLookups = new Coalescer<string, DeviceRow | undefined>(async (ids) => {
    const rows = await this.prepared<DeviceRow>(
      `SELECT * FROM ${this.device} WHERE "device_id" = ANY($1::text[])`,
      [[...new Set(ids)]],
    );
    const byId = new Map(rows.map((row) => [row.device_id, row]));
    return ids.map((id) => byId.get(id));
  });

  async findDevice(deviceId: string, manager?: EntityManager): Promise<DeviceRow | undefined> {
    const [row] = await this.query<DeviceRow>(
      `SELECT * FROM ${this.device} WHERE "device_id" = $1`,
      [deviceId],
      manager,
    );
    return row;
  }

  async pseudonymsOf(deviceId: string, manager?: EntityManager): Promise<string[]> {
    const rows = await this.query<{ pseudonym: string }>(
      `SELECT "pseudonym" FROM ${this.devicePseudonym} WHERE "device_id" = $1 ORDER BY "pseudonym"`,
      [deviceId],
      manager,
    );
    return rows.map((r) => r.pseudonym);
  }

  /** Active devices filed under any of `pseudonyms`. */
  async activeDevicesOf(pseudonyms: readonly string[], manager?: EntityManager): Promise<DeviceRow[]> {
    if (pseudonyms.length === 0) return [];
    return this.query<DeviceRow>(
      `SELECT DISTINCT d.* FROM ${this.device} d JOIN ${this.devicePseudonym} p USING ("device_id")
        WHERE p."pseudonym" = ANY($1::text[]) AND d."active" ORDER BY d."created_at", d."device_id"`,
      [pseudonyms],
      manager,
    );
  }

  /** Active devices filed under each of `pseudonyms` (one query for a batch of jobs). */
  async activeDevicesByPseudonym(
    pseudonyms: readonly string[],
    manager?: EntityManager,
  ): Promise<Map<string, DeviceRow[]>> {
    const byPseudonym = new Map<string, DeviceRow[]>();
    if (pseudonyms.length === 0) return byPseudonym;
    const rows = await this.prepared<DeviceRow & { filed_under: string }>(
      `SELECT p."pseudonym" AS "filed_under", d.* FROM ${this.device} d JOIN ${this.devicePseudonym} p USING ("device_id")
        WHERE p."pseudonym" = ANY($1::text[]) AND d."active" ORDER BY d."created_at", d."device_id"`,
      [[...new Set(pseudonyms)]],
      manager,
    );
    for (const { filed_under, ...device } of rows) {
      const devices = byPseudonym.get(filed_under) ?? [];
      devices.push(device);
      byPseudonym.set(filed_under, devices);
    }
    return byPseudonym;
  }

  /** A message the device may see: filed under one of its pseudonyms, sealed to its key, not deleted or expired. */
  async messageForDevice(
    messageId: string,
    device: DeviceRow,
    manager?: EntityManager,
  ): Promise<MessageRow | undefined> {
    const [row] = await this.query<MessageRow>(
      `SELECT m.* FROM ${this.inbox} m
        WHERE m."message_id" = $1 AND m."deleted_at" IS NULL AND m."expires_at" > now()
          AND $2 = ANY(m."key_ids")
          AND m."pseudonym" IN (SELECT "pseudonym" FROM ${this.devicePseudonym} WHERE "device_id" = $3)`,
      [messageId, device.key_id, device.device_id],
      manager,
    );
    return row;
  }
}
