import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(runner: QueryRunner): string {
  return (runner.connection.options as { schema?: string }).schema ?? 'identity';
}

/** Enrolments in progress, OIDC transactions, rate-limit windows. No identifier in any of them. */
export class CreateIdentityTables1795500000000 implements MigrationInterface {
  name = 'CreateIdentityTables1795500000000';

  async up(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    await runner.query(`
      CREATE TABLE ${s}."phone_enrolment" (
        "id" UUID PRIMARY KEY,
        "status" TEXT NOT NULL,
        "code_salt" BYTEA,
        "code_hash" BYTEA,
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "sealed_phone_number" BYTEA,
        "polymorphic_pseudonym" TEXT,
        "created_at" TIMESTAMPTZ NOT NULL,
        "expires_at" TIMESTAMPTZ NOT NULL,
        "finished_at" TIMESTAMPTZ
      )`);
    await runner.query(`CREATE INDEX "phone_enrolment_expires" ON ${s}."phone_enrolment" ("expires_at")`);
    await runner.query(`
      CREATE TABLE ${s}."oidc_transaction" (
        "state_hash" BYTEA PRIMARY KEY,
        "enrolment_id" UUID NOT NULL,
        "nonce" TEXT NOT NULL,
        "code_verifier" TEXT NOT NULL,
        "link" JSONB,
        "created_at" TIMESTAMPTZ NOT NULL,
        "expires_at" TIMESTAMPTZ NOT NULL
      )`);
    await runner.query(`CREATE INDEX "oidc_transaction_expires" ON ${s}."oidc_transaction" ("expires_at")`);
    await runner.query(`
      CREATE TABLE ${s}."rate_limit_window" (
        "bucket" TEXT NOT NULL,
        "window_start" TIMESTAMPTZ NOT NULL,
        "hits" INTEGER NOT NULL,
        PRIMARY KEY ("bucket", "window_start")
      )`);
    await runner.query(`CREATE INDEX "rate_limit_window_start" ON ${s}."rate_limit_window" ("window_start")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(runner)}"`;
    await runner.query(`DROP TABLE ${s}."rate_limit_window"`);
    await runner.query(`DROP TABLE ${s}."oidc_transaction"`);
    await runner.query(`DROP TABLE ${s}."phone_enrolment"`);
  }
}
