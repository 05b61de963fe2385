import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureKafkaJars, KafkaToolError } from './jars';

const run = promisify(execFile);

export interface AdminCredentials {
  bootstrap: string;
  username: string;
  password: string;
}

export interface ScramUserChange {
  username: string;
  /** Set (create or rotate) this password; omit with `remove: true` to delete the user. */
  password?: string;
  remove?: boolean;
}

const NAME = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Creates, rotates or deletes SCRAM-SHA-512 users through Kafka's own ConfigCommand (the
 * Kafka client library cannot). The admin's password goes in a temporary 0600 file, never
 * on a command line.
 */
export async function applyScramUsers(
  admin: AdminCredentials,
  changes: readonly ScramUserChange[],
): Promise<void> {
  if (changes.length === 0) return;
  for (const c of changes) {
    if (!NAME.test(c.username))
      throw new KafkaToolError(`SCRAM user name '${c.username}' must match ${NAME}`);
    if (!c.remove && !c.password) throw new KafkaToolError(`SCRAM user '${c.username}' needs a password`);
  }
  const lib = await ensureKafkaJars();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'smis-scram-'));
  const config = path.join(dir, 'admin.properties');
  const escape = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  await writeFile(
    config,
    [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${escape(admin.username)}" password="${escape(admin.password)}";`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  try {
    for (const change of changes) {
      // The new password goes in a 0600 file too, never on a command line (visible in `ps`).
      const passwordFile = path.join(dir, `${change.username}.properties`);
      if (!change.remove) {
        await writeFile(passwordFile, `SCRAM-SHA-512=iterations=4096,password=${change.password}\n`, {
          mode: 0o600,
        });
      }
      const alter = change.remove
        ? ['--delete-config', 'SCRAM-SHA-512']
        : ['--add-config-file', passwordFile];
      try {
        await run(
          'java',
          [
            '-Xmx256m',
            '-cp',
            `${lib}/*`,
            'kafka.admin.ConfigCommand',
            '--bootstrap-server',
            admin.bootstrap,
            '--command-config',
            config,
            '--alter',
            ...alter,
            '--entity-type',
            'users',
            '--entity-name',
            change.username,
          ],
          { timeout: 60_000 },
        );
      } catch (error) {
        const e = error as { stderr?: string; stdout?: string; message: string };
        const detail = (e.stderr || e.stdout || e.message)
          .split('\n')
          .filter((l) => !l.includes('password'))
          .join(' ');
        throw new KafkaToolError(
          `Could not ${change.remove ? 'delete' : 'set'} SCRAM user '${change.username}': ${detail.slice(-800)}`,
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
