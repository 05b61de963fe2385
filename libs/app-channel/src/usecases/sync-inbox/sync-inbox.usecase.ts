import { Inject, Injectable } from '@nestjs/common';
import type { AppChannelConfig } from '../../config';
import type { FieldProblem } from '../../errors';
import { AppChannelStore, type DeviceRow, type MessageRow } from '../../store';
import { APP_CHANNEL_CONFIG } from '../../tokens';
import { fail } from '../validation';
import { visibleTo } from '../../broadcast/broadcast-visibility';

export interface InboxItemView {
  messageId: string;
  /** `message`: sealed to this device; `broadcast`: signed, stored once for its audience (ADR 1100). */
  kind: 'message' | 'broadcast';
  senderId: string;
  priority: string;
  receivedAt: string;
  expiresAt: string;
  deliveredAt: string | null;
  readAt: string | null;
}

export interface InboxPageView {
  items: InboxItemView[];
  /** Pass as `after` for the next page; the same cursor again when nothing new came. */
  cursor: string;
  hasMore: boolean;
}

export class SyncInboxCommand {
  private constructor(
    readonly device: DeviceRow,
    readonly after: string,
    readonly limit: number,
  ) {}

  static create(device: DeviceRow, after: unknown, limit: unknown, maxPageSize: number): SyncInboxCommand {
    const problems: FieldProblem[] = [];
    const cursor = after === undefined || after === '' ? '0' : String(after);
    if (!/^\d{1,18}$/.test(cursor))
      problems.push({ field: 'after', message: 'must be a cursor from a previous page' });
    const size = limit === undefined || limit === '' ? maxPageSize : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > maxPageSize)
      problems.push({ field: 'limit', message: `must be an integer within 1..${maxPageSize}` });
    fail(problems);
    return new SyncInboxCommand(device, cursor, size);
  }
}

export function inboxItem(m: MessageRow, kind: InboxItemView['kind'] = 'message'): InboxItemView {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    messageId: m.message_id,
    kind,
    senderId: m.sender_id,
    priority: m.priority,
    receivedAt: new Date(m.received_at).toISOString(),
    expiresAt: new Date(m.expires_at).toISOString(),
    deliveredAt: iso(m.delivered_at),
    readAt: iso(m.read_at),
  };
}

/**
 * The messages the device can open (sealed to its key) and the broadcasts for its citizen, after
 * the cursor, oldest first. Both share the inbox sequence, so one cursor covers both.
 */
@Injectable()
export class SyncInboxUseCase {
  constructor(
    @Inject(APP_CHANNEL_CONFIG) readonly config: AppChannelConfig,
    private readonly store: AppChannelStore,
  ) {}

  async execute(command: SyncInboxCommand): Promise<InboxPageView> {
    const rows = await this.store.query<MessageRow & { kind: InboxItemView['kind'] }>(
      `SELECT * FROM (
         (SELECT m."seq", m."message_id", m."sender_id", m."priority", m."received_at", m."expires_at", m."delivered_at", m."read_at", 'message' AS "kind"
            FROM ${this.store.inbox} m
           WHERE m."seq" > $1 AND m."deleted_at" IS NULL AND m."expires_at" > now() AND $2 = ANY(m."key_ids")
             AND m."pseudonym" IN (SELECT "pseudonym" FROM ${this.store.devicePseudonym} WHERE "device_id" = $3)
           ORDER BY m."seq" LIMIT $4)
         UNION ALL
         (SELECT b."seq", b."broadcast_id", b."sender_id", b."priority", b."published_at", b."expires_at", r."delivered_at", r."read_at", 'broadcast'
            FROM ${this.store.broadcast} b
            LEFT JOIN ${this.store.broadcastReceipt} r ON r."broadcast_id" = b."broadcast_id" AND r."device_id" = $3
           WHERE b."seq" > $1 AND ${visibleTo(this.store, '$3')}
           ORDER BY b."seq" LIMIT $4)
       ) u ORDER BY u."seq" LIMIT $4`,
      [command.after, command.device.key_id, command.device.device_id, command.limit + 1],
    );
    const page = rows.slice(0, command.limit);
    return {
      items: page.map((row) => inboxItem(row, row.kind)),
      cursor: page.length > 0 ? String(page[page.length - 1].seq) : command.after,
      hasMore: rows.length > command.limit,
    };
  }
}
