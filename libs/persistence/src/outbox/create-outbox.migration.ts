import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(runner: QueryRunner): string {
  return (runner.connection.options as { schema?: string }).schema ?? 'public';
}

/** The outbox table, in the schema of the service whose migrations include it. */
export class CreateOutbox1795300000000 implements MigrationInterface {
  name = 'CreateOutbox1795300000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner);
    await runner.query(`
      CREATE TABLE IF NOT EXISTS "${s}"."outbox" (
        "id" BIGSERIAL PRIMARY KEY,
        "topic" TEXT NOT NULL,
        "key" TEXT,
        "value" BYTEA,
        "headers" JSONB NOT NULL DEFAULT '{}'::jsonb,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE IF EXISTS "${schemaOf(runner)}"."outbox"`);
  }
}
