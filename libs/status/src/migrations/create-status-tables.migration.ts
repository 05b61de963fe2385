import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(runner: QueryRunner): string {
  return (runner.connection.options as { schema?: string }).schema ?? 'status';
}

/** Status aggregates, history, subscriptions and the webhook queue. */
export class CreateStatusTables1795400000000 implements MigrationInterface {
  name = 'CreateStatusTables1795400000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    await runner.query(`
      CREATE TABLE ${s}."message_status" (
        "message_id" UUID PRIMARY KEY,
        "sender_id" TEXT NOT NULL,
        "status" TEXT,
        "reason" TEXT,
        "status_event_id" UUID,
        "status_occurred_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await runner.query(
      `CREATE INDEX "message_status_sender" ON ${s}."message_status" ("sender_id", "updated_at")`,
    );
    await runner.query(`
      CREATE TABLE ${s}."channel_status" (
        "message_id" UUID NOT NULL REFERENCES ${s}."message_status" ("message_id") ON DELETE CASCADE,
        "channel" TEXT NOT NULL,
        "status" TEXT NOT NULL,
        "reason" TEXT,
        "event_id" UUID NOT NULL,
        "occurred_at" TIMESTAMPTZ NOT NULL,
        PRIMARY KEY ("message_id", "channel")
      )`);
    await runner.query(`
      CREATE TABLE ${s}."status_event" (
        "event_id" UUID PRIMARY KEY,
        "message_id" UUID NOT NULL REFERENCES ${s}."message_status" ("message_id") ON DELETE CASCADE,
        "sender_id" TEXT NOT NULL,
        "status" TEXT NOT NULL,
        "channel" TEXT,
        "reason" TEXT,
        "from_channel" TEXT,
        "to_channel" TEXT,
        "plan_id" UUID,
        "attempt" INTEGER,
        "producer" TEXT NOT NULL,
        "occurred_at" TIMESTAMPTZ NOT NULL,
        "received_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await runner.query(
      `CREATE INDEX "status_event_message" ON ${s}."status_event" ("message_id", "occurred_at")`,
    );
    await runner.query(`
      CREATE TABLE ${s}."subscription" (
        "id" UUID PRIMARY KEY,
        "sender_id" TEXT NOT NULL,
        "event_types" TEXT[] NOT NULL,
        "delivery" TEXT NOT NULL CHECK ("delivery" IN ('topic', 'webhook', 'both')),
        "webhook_url" TEXT,
        "secret_ciphertext" TEXT,
        "enabled" BOOLEAN NOT NULL DEFAULT true,
        "disabled_reason" TEXT,
        "disabled_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        CHECK ("delivery" = 'topic' OR ("webhook_url" IS NOT NULL AND "secret_ciphertext" IS NOT NULL))
      )`);
    await runner.query(`CREATE INDEX "subscription_sender" ON ${s}."subscription" ("sender_id")`);
    await runner.query(`
      CREATE TABLE ${s}."webhook_delivery" (
        "id" BIGSERIAL PRIMARY KEY,
        "subscription_id" UUID NOT NULL REFERENCES ${s}."subscription" ("id") ON DELETE CASCADE,
        "sender_id" TEXT NOT NULL,
        "event_id" UUID NOT NULL,
        "message_id" UUID NOT NULL,
        "body" TEXT NOT NULL,
        "record" BYTEA NOT NULL,
        "state" TEXT NOT NULL DEFAULT 'pending' CHECK ("state" IN ('pending', 'delivered', 'dead')),
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMPTZ NOT NULL,
        "deadline_at" TIMESTAMPTZ NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "last_attempt_at" TIMESTAMPTZ,
        "last_status_code" INTEGER,
        "last_error" TEXT,
        "completed_at" TIMESTAMPTZ,
        UNIQUE ("subscription_id", "event_id")
      )`);
    // The poller's only query path: due pending rows, oldest first.
    await runner.query(
      `CREATE INDEX "webhook_delivery_due" ON ${s}."webhook_delivery" ("next_attempt_at") WHERE "state" = 'pending'`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    for (const table of [
      'webhook_delivery',
      'subscription',
      'status_event',
      'channel_status',
      'message_status',
    ]) {
      await runner.query(`DROP TABLE IF EXISTS ${s}."${table}"`);
    }
  }
}
