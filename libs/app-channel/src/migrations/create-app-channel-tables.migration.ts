import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(runner: QueryRunner): string {
  return (runner.connection.options as { schema?: string }).schema ?? 'public';
}

/** Devices, the pseudonyms they are filed under, citizens' preferences, the inbox, replay guards. */
export class CreateAppChannelTables1796000000000 implements MigrationInterface {
  name = 'CreateAppChannelTables1796000000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      CREATE TABLE "${s}"."device" (
        "device_id" TEXT PRIMARY KEY,
        "key_id" TEXT NOT NULL,
        "encryption_public_key" TEXT NOT NULL,
        "signing_public_key" TEXT NOT NULL,
        "push_provider" TEXT,
        "push_token" TEXT,
        "notifications_enabled" BOOLEAN NOT NULL DEFAULT false,
        "locale" TEXT,
        "app_version" TEXT,
        "active" BOOLEAN NOT NULL DEFAULT true,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "revoked_at" TIMESTAMPTZ
      )`);
    await runner.query(`CREATE INDEX "device_key_id_idx" ON "${s}"."device" ("key_id")`);
    await runner.query(`
      CREATE TABLE "${s}"."device_pseudonym" (
        "device_id" TEXT NOT NULL REFERENCES "${s}"."device" ("device_id") ON DELETE CASCADE,
        "pseudonym" TEXT NOT NULL,
        PRIMARY KEY ("device_id", "pseudonym")
      )`);
    await runner.query(
      `CREATE INDEX "device_pseudonym_pseudonym_idx" ON "${s}"."device_pseudonym" ("pseudonym")`,
    );
    await runner.query(`
      CREATE TABLE "${s}"."citizen" (
        "pseudonym" TEXT PRIMARY KEY,
        "polymorphic_pseudonym" TEXT,
        "preferences" JSONB,
        "preferences_updated_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE "${s}"."inbox_message" (
        "seq" BIGSERIAL UNIQUE,
        "message_id" TEXT PRIMARY KEY,
        "pseudonym" TEXT NOT NULL,
        "sender_id" TEXT NOT NULL,
        "plan_id" TEXT NOT NULL,
        "attempt" INTEGER NOT NULL,
        "priority" TEXT NOT NULL,
        "envelope" BYTEA,
        "key_ids" TEXT[] NOT NULL,
        "received_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMPTZ NOT NULL,
        "dispatched_at" TIMESTAMPTZ,
        "delivered_at" TIMESTAMPTZ,
        "read_at" TIMESTAMPTZ,
        "deleted_at" TIMESTAMPTZ
      )`);
    await runner.query(
      `CREATE INDEX "inbox_message_pseudonym_seq_idx" ON "${s}"."inbox_message" ("pseudonym", "seq")`,
    );
    await runner.query(
      `CREATE INDEX "inbox_message_expires_at_idx" ON "${s}"."inbox_message" ("expires_at")`,
    );
    await runner.query(`
      CREATE TABLE "${s}"."request_nonce" (
        "digest" TEXT PRIMARY KEY,
        "expires_at" TIMESTAMPTZ NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    for (const table of ['request_nonce', 'inbox_message', 'citizen', 'device_pseudonym', 'device'])
      await runner.query(`DROP TABLE IF EXISTS "${s}"."${table}"`);
  }
}
