import { CreateOutbox1795300000000 } from '@smis/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(runner: QueryRunner): string {
  return (runner.connection.options as { schema?: string }).schema ?? 'sms_channel';
}

/** Phone numbers by pseudonym, submissions and their state, avoided SMS. */
export class CreateSmsChannelTables1797000000000 implements MigrationInterface {
  name = 'CreateSmsChannelTables1797000000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    await runner.query(`
      CREATE TABLE ${s}."phone_number" (
        "local_pseudonym" TEXT PRIMARY KEY,
        "number_box" BYTEA,
        "occurred_at" BIGINT NOT NULL,
        "registration_id" UUID NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE ${s}."sms_submission" (
        "id" UUID PRIMARY KEY,
        "kind" TEXT NOT NULL CHECK ("kind" IN ('message', 'otp')),
        "source_id" TEXT NOT NULL,
        "attempt" INT NOT NULL,
        "sender_id" TEXT,
        "plan_id" TEXT,
        "state" TEXT NOT NULL CHECK ("state" IN ('pending', 'submitting', 'submitted', 'delivered', 'failed', 'expired')),
        "expires_at" BIGINT NOT NULL,
        "sealed_text" BYTEA,
        "sealed_number" BYTEA,
        "local_pseudonym" TEXT,
        "provider_id" TEXT,
        "provider_message_id" TEXT,
        "encoding" TEXT,
        "segments" INT,
        "cost_eur" NUMERIC(14, 6),
        "reason" TEXT,
        "submitted_at" TIMESTAMPTZ,
        "reported_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE ("kind", "source_id", "attempt")
      )`);
    await runner.query(
      `CREATE UNIQUE INDEX "sms_submission_provider_message" ON ${s}."sms_submission" ("provider_id", "provider_message_id") WHERE "provider_message_id" IS NOT NULL`,
    );
    await runner.query(
      `CREATE INDEX "sms_submission_in_flight" ON ${s}."sms_submission" ("updated_at") WHERE "state" = 'submitting'`,
    );
    await runner.query(
      `CREATE INDEX "sms_submission_sender" ON ${s}."sms_submission" ("sender_id", "submitted_at")`,
    );
    await runner.query(`
      CREATE TABLE ${s}."sms_avoided" (
        "message_id" UUID PRIMARY KEY,
        "sender_id" TEXT NOT NULL,
        "occurred_at" TIMESTAMPTZ NOT NULL
      )`);
    await runner.query(
      `CREATE INDEX "sms_avoided_sender" ON ${s}."sms_avoided" ("sender_id", "occurred_at")`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    await runner.query(`DROP TABLE ${s}."sms_avoided"`);
    await runner.query(`DROP TABLE ${s}."sms_submission"`);
    await runner.query(`DROP TABLE ${s}."phone_number"`);
  }
}

export const SMS_CHANNEL_MIGRATIONS = [CreateOutbox1795300000000, CreateSmsChannelTables1797000000000];
