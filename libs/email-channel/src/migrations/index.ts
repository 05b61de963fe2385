import { CreateOutbox1795300000000 } from '@smis/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(runner: QueryRunner): string {
  return (runner.connection.options as { schema?: string }).schema ?? 'email_channel';
}

export class CreateEmailChannelTables1797100000000 implements MigrationInterface {
  name = 'CreateEmailChannelTables1797100000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    await runner.query(`
      CREATE TABLE ${s}."email_address" (
        "local_pseudonym" TEXT PRIMARY KEY,
        "address_box" BYTEA,
        "occurred_at" BIGINT NOT NULL,
        "registration_id" UUID NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE ${s}."email_submission" (
        "id" UUID PRIMARY KEY,
        "message_id" UUID NOT NULL,
        "attempt" INT NOT NULL,
        "sender_id" TEXT NOT NULL,
        "plan_id" TEXT NOT NULL,
        "state" TEXT NOT NULL CHECK ("state" IN ('pending', 'sending', 'sent', 'failed', 'expired')),
        "temporary_failures" INT NOT NULL DEFAULT 0,
        "reason" TEXT,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE ("message_id", "attempt")
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    await runner.query(`DROP TABLE ${s}."email_submission"`);
    await runner.query(`DROP TABLE ${s}."email_address"`);
  }
}

export const EMAIL_CHANNEL_MIGRATIONS = [CreateOutbox1795300000000, CreateEmailChannelTables1797100000000];
