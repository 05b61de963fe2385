import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(runner: QueryRunner): string {
  return (runner.connection.options as { schema?: string }).schema ?? 'public';
}

/** The durable schedule and progress of broadcasts (one row each), polled with SKIP LOCKED. */
export class CreateBroadcastJob1796200000000 implements MigrationInterface {
  name = 'CreateBroadcastJob1796200000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      CREATE TABLE "${s}"."broadcast_job" (
        "broadcast_id" TEXT PRIMARY KEY,
        "sender_id" TEXT NOT NULL,
        "category" TEXT NOT NULL,
        "priority" TEXT NOT NULL,
        "audience" TEXT NOT NULL,
        "regions" TEXT[] NOT NULL,
        "state" TEXT NOT NULL,
        "reason" TEXT,
        "not_before" TIMESTAMPTZ NOT NULL,
        "expires_at" TIMESTAMPTZ NOT NULL,
        "list_id" TEXT,
        "list_expected" BIGINT,
        "list_chunks" INTEGER NOT NULL DEFAULT 0,
        "list_received" BIGINT NOT NULL DEFAULT 0,
        "list_digest" BYTEA,
        "list_expected_digest" BYTEA,
        "devices_targeted" BIGINT,
        "topics_done" INTEGER NOT NULL DEFAULT 0,
        "topic_messages" BIGINT NOT NULL DEFAULT 0,
        "device_cursor" TEXT,
        "pushes_sent" BIGINT NOT NULL DEFAULT 0,
        "pushes_failed" BIGINT NOT NULL DEFAULT 0,
        "claimed_until" TIMESTAMPTZ,
        "progress_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "started_at" TIMESTAMPTZ,
        "finished_at" TIMESTAMPTZ
      )`);
    await runner.query(
      `CREATE INDEX "broadcast_job_due_idx" ON "${s}"."broadcast_job" ("not_before")
        WHERE "state" IN ('SCHEDULED', 'RUNNING')`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE IF EXISTS "${schemaOf(runner)}"."broadcast_job"`);
  }
}
