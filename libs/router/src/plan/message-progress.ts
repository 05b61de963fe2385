import type { EntityManager } from 'typeorm';
import { preparedQuery } from '@smis/persistence';
import type { MessageRecord } from '../entities';
import { tableOf } from './transaction';

/**
 * Writes the progress of messages a transaction moved on, in one statement: the plan columns
 * (state, outcome, step, attempt), the confirmations (app confirmed, delivered, read) and the
 * update time. After their insert, these are the only columns that change, apart from the
 * payloads and channel pseudonyms, which only ever go to null when the plan ends (`finish`):
 * they are erased by a flag, so their bytes are never sent back to the database.
 */
export async function saveMessageProgress(
  manager: EntityManager,
  messages: readonly MessageRecord[],
): Promise<void> {
  if (messages.length === 0) return;
  await preparedQuery(
    manager,
    `UPDATE ${tableOf(manager, 'message')} AS m SET
       "state" = u."state", "outcome" = u."outcome", "step" = u."step", "attempt" = u."attempt",
       "app_confirmed" = u."app_confirmed", "delivered_at" = u."delivered_at", "read_at" = u."read_at",
       "updated_at" = u."updated_at",
       "envelope" = CASE WHEN u."erased" THEN NULL ELSE m."envelope" END,
       "sms_payload" = CASE WHEN u."erased" THEN NULL ELSE m."sms_payload" END,
       "email_payload" = CASE WHEN u."erased" THEN NULL ELSE m."email_payload" END,
       "app_recipient" = CASE WHEN u."erased" THEN NULL ELSE m."app_recipient" END,
       "sms_recipient" = CASE WHEN u."erased" THEN NULL ELSE m."sms_recipient" END,
       "email_recipient" = CASE WHEN u."erased" THEN NULL ELSE m."email_recipient" END
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::boolean[], $7::bigint[],
                 $8::bigint[], $9::bigint[], $10::boolean[])
       AS u("message_id", "state", "outcome", "step", "attempt", "app_confirmed", "delivered_at", "read_at",
            "updated_at", "erased")
     WHERE m."message_id" = u."message_id"`,
    [
      messages.map((m) => m.messageId),
      messages.map((m) => m.state),
      messages.map((m) => m.outcome),
      messages.map((m) => m.step),
      messages.map((m) => m.attempt),
      messages.map((m) => m.appConfirmed),
      messages.map((m) => m.deliveredAt),
      messages.map((m) => m.readAt),
      messages.map((m) => m.updatedAt),
      messages.map(erased),
    ],
  );
}

/** Whether the message's payloads and channel pseudonyms are all gone (the plan ended). */
function erased(m: MessageRecord): boolean {
  return (
    m.envelope === null &&
    m.smsPayload === null &&
    m.emailPayload === null &&
    m.appRecipient === null &&
    m.smsRecipient === null &&
    m.emailRecipient === null
  );
}
