import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(runner: QueryRunner): string {
  return (runner.connection.options as { schema?: string }).schema ?? 'public';
}

/**
 * Broadcasts stored once (ADR 1100): the content, who it is for (everyone, regions, or an explicit
 * list filed in `broadcast_recipient`), per-device receipts, and the FCM topics each device is
 * subscribed to. A broadcast takes its place in the inbox order (`seq`, from the inbox's sequence)
 * when it is published, so a device that already synced past its staging still sees it.
 */
export class CreateBroadcastTables1796100000000 implements MigrationInterface {
  name = 'CreateBroadcastTables1796100000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      CREATE TABLE "${s}"."broadcast" (
        "broadcast_id" TEXT PRIMARY KEY,
        "seq" BIGINT UNIQUE,
        "sender_id" TEXT NOT NULL,
        "sender_key_id" TEXT NOT NULL,
        "category" TEXT NOT NULL,
        "priority" TEXT NOT NULL,
        "audience" TEXT NOT NULL,
        "regions" TEXT[] NOT NULL,
        "envelope" BYTEA NOT NULL,
        "signature" BYTEA NOT NULL,
        "signing_input" BYTEA NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL,
        "expires_at" TIMESTAMPTZ NOT NULL,
        "staged_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "published_at" TIMESTAMPTZ,
        "cancelled_at" TIMESTAMPTZ
      )`);
    await runner.query(`
      CREATE TABLE "${s}"."broadcast_recipient" (
        "broadcast_id" TEXT NOT NULL REFERENCES "${s}"."broadcast" ("broadcast_id") ON DELETE CASCADE,
        "pseudonym" TEXT NOT NULL,
        PRIMARY KEY ("broadcast_id", "pseudonym")
      )`);
    await runner.query(
      `CREATE INDEX "broadcast_recipient_pseudonym_idx" ON "${s}"."broadcast_recipient" ("pseudonym")`,
    );
    await runner.query(`
      CREATE TABLE "${s}"."broadcast_receipt" (
        "broadcast_id" TEXT NOT NULL REFERENCES "${s}"."broadcast" ("broadcast_id") ON DELETE CASCADE,
        "device_id" TEXT NOT NULL,
        "delivered_at" TIMESTAMPTZ,
        "read_at" TIMESTAMPTZ,
        "deleted_at" TIMESTAMPTZ,
        PRIMARY KEY ("broadcast_id", "device_id")
      )`);
    await runner.query(`
      CREATE TABLE "${s}"."device_topic" (
        "device_id" TEXT NOT NULL REFERENCES "${s}"."device" ("device_id") ON DELETE CASCADE,
        "topic" TEXT NOT NULL,
        "token" TEXT NOT NULL,
        PRIMARY KEY ("device_id", "topic")
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    for (const table of ['device_topic', 'broadcast_receipt', 'broadcast_recipient', 'broadcast'])
      await runner.query(`DROP TABLE IF EXISTS "${s}"."${table}"`);
  }
}
