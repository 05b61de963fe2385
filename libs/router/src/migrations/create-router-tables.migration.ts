import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(runner: QueryRunner): string {
  return (runner.connection.options as { schema?: string }).schema ?? 'router';
}

/** Messages and their plans, timers, applied events, preferences, sender counters. */
export class CreateRouterTables1795500000000 implements MigrationInterface {
  name = 'CreateRouterTables1795500000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    await runner.query(`
      CREATE TABLE ${s}."message" (
        "message_id" UUID PRIMARY KEY,
        "sender_id" TEXT NOT NULL,
        "idempotency_key" TEXT NOT NULL,
        "duplicate_of" UUID,
        "plan_id" UUID NOT NULL,
        "recipient" TEXT,
        "category" TEXT NOT NULL,
        "priority" TEXT NOT NULL,
        "content_digest" BYTEA NOT NULL,
        "expires_at" BIGINT NOT NULL,
        "fallback_window_s" INT NOT NULL,
        "decision" TEXT NOT NULL,
        "reason" TEXT,
        "state" TEXT NOT NULL,
        "outcome" TEXT,
        "channels" TEXT[] NOT NULL DEFAULT '{}',
        "step" INT NOT NULL DEFAULT 0,
        "attempt" INT NOT NULL DEFAULT 0,
        "app_confirmed" BOOLEAN NOT NULL DEFAULT false,
        "delivered_at" BIGINT,
        "read_at" BIGINT,
        "app_recipient" BYTEA,
        "sms_recipient" BYTEA,
        "email_recipient" BYTEA,
        "envelope" BYTEA,
        "sms_payload" BYTEA,
        "email_payload" BYTEA,
        "received_at" BIGINT NOT NULL,
        "updated_at" BIGINT NOT NULL
      )`);
    // One live message per (sender, idempotency key); rejected ones do not block a retry.
    await runner.query(`
      CREATE UNIQUE INDEX "message_idempotency" ON ${s}."message" ("sender_id", "idempotency_key")
      WHERE "decision" IN ('ACCEPTED', 'DEFERRED')`);
    await runner.query(`
      CREATE INDEX "message_citizen" ON ${s}."message" ("sender_id", "recipient", "received_at")
      WHERE "decision" IN ('ACCEPTED', 'DEFERRED')`);
    await runner.query(`CREATE INDEX "message_sender" ON ${s}."message" ("sender_id", "received_at")`);
    await runner.query(`
      CREATE TABLE ${s}."timer" (
        "message_id" UUID NOT NULL,
        "kind" TEXT NOT NULL,
        "due_at" BIGINT NOT NULL,
        "attempt" INT NOT NULL DEFAULT 0,
        PRIMARY KEY ("message_id", "kind")
      )`);
    await runner.query(`CREATE INDEX "timer_due" ON ${s}."timer" ("due_at")`);
    await runner.query(`
      CREATE TABLE ${s}."processed_event" (
        "event_id" UUID PRIMARY KEY,
        "processed_at" BIGINT NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE ${s}."preference" (
        "recipient" TEXT PRIMARY KEY,
        "source_key" TEXT NOT NULL,
        "channel_order" TEXT[] NOT NULL DEFAULT '{}',
        "muted_senders" TEXT[] NOT NULL DEFAULT '{}',
        "muted_categories" TEXT[] NOT NULL DEFAULT '{}',
        "updated_at" BIGINT NOT NULL
      )`);
    await runner.query(`CREATE INDEX "preference_source_key" ON ${s}."preference" ("source_key")`);
    await runner.query(
      `CREATE INDEX "preference_muted_senders" ON ${s}."preference" USING GIN ("muted_senders")`,
    );
    await runner.query(`
      CREATE TABLE ${s}."sender_day" (
        "sender_id" TEXT NOT NULL,
        "day" TEXT NOT NULL,
        "count" INT NOT NULL,
        PRIMARY KEY ("sender_id", "day")
      )`);
    await runner.query(`
      CREATE TABLE ${s}."sender_rate" (
        "sender_id" TEXT PRIMARY KEY,
        "tat" DOUBLE PRECISION NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    for (const table of ['sender_rate', 'sender_day', 'preference', 'processed_event', 'timer', 'message']) {
      await runner.query(`DROP TABLE IF EXISTS ${s}."${table}"`);
    }
  }
}
