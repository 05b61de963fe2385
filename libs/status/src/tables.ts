/** Schema-qualified table names, for the SQL that TypeORM's repositories cannot express (locks, upserts). */
export interface StatusTables {
  messageStatus: string;
  channelStatus: string;
  statusEvent: string;
  subscription: string;
  webhookDelivery: string;
}

export function statusTables(schema: string): StatusTables {
  const q = (table: string): string => `"${schema}"."${table}"`;
  return {
    messageStatus: q('message_status'),
    channelStatus: q('channel_status'),
    statusEvent: q('status_event'),
    subscription: q('subscription'),
    webhookDelivery: q('webhook_delivery'),
  };
}

/**
 * The rows of a raw query. TypeORM answers UPDATE and DELETE (RETURNING or not) with
 * `[rows, affectedCount]` and everything else with the rows.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
