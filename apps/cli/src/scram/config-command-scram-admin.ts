import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ScramUserAdmin, ScramUserChange } from '@smis/provisioning';
import { EXIT } from '../exit-codes';
import { CliError } from '../io';
import type { ClusterAccess } from '../kafka/connection-options';

const run = promisify(execFile);

/** The repository root, for the jars `npm run kafka:start` resolved (development only). */
const REPOSITORY = path.resolve(__dirname, '..', '..', '..', '..');

/** PBKDF2 iterations of the stored SCRAM credentials (Kafka's minimum is 4096). */
const ITERATIONS = 8192;

export const KAFKA_LIBS_HELP = `
SCRAM users are set with Kafka's own ConfigCommand (the Kafka client library cannot), found in
--kafka-libs, SMIS_KAFKA_LIBS, $KAFKA_HOME/libs, or the jars npm run kafka:start resolved.`;

/**
 * Where Kafka's jars are: the flag, SMIS_KAFKA_LIBS, $KAFKA_HOME/libs, then (in a checkout of
 * this repository) the jars tools/kafka resolved from Maven Central.
 */
export function findKafkaLibs(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  repository = REPOSITORY,
): string | undefined {
  const explicit =
    flag ?? env.SMIS_KAFKA_LIBS ?? (env.KAFKA_HOME ? path.join(env.KAFKA_HOME, 'libs') : undefined);
  if (explicit) return explicit;
  const cache = path.join(repository, 'tools', 'kafka', '.cache');
  if (!existsSync(cache)) return undefined;
  const resolved = readdirSync(cache)
    .filter((name) => name.startsWith('lib-') && existsSync(path.join(cache, name, '.complete')))
    .sort();
  return resolved.length > 0 ? path.join(cache, resolved[resolved.length - 1]) : undefined;
}

function clientProperties(access: ClusterAccess): string {
  const protocol = `${access.sasl ? 'SASL_' : ''}${access.tls ? 'SSL' : 'PLAINTEXT'}`;
  const lines = [`security.protocol=${protocol}`];
  if (access.sasl) {
    const quote = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    lines.push(
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${quote(access.sasl.username)}" password="${quote(access.sasl.password)}";`,
    );
  }
  if (access.tls?.caFile)
    lines.push('ssl.truststore.type=PEM', `ssl.truststore.location=${access.tls.caFile}`);
  return `${lines.join('\n')}\n`;
}

/** The tool's own output, minus any line that could carry a password. */
function failureDetail(error: unknown): string {
  const e = error as { stderr?: string; stdout?: string; message: string };
  return (e.stderr || e.stdout || e.message)
    .split('\n')
    .filter((line) => line.trim() !== '' && !/password/i.test(line))
    .join(' ')
    .slice(-800);
}

const DESCRIBED = /^SCRAM credential configs for user-principal '(.+)' are (.*)$/;

export interface ConfigCommandOptions {
  access: ClusterAccess;
  /** Directory of Kafka's jars. */
  libs: string;
  java?: string;
  timeoutMs?: number;
}

/**
 * SCRAM-SHA-512 users through `kafka.admin.ConfigCommand`, one JVM per call. Passwords (the
 * administrator's and the users') go in 0600 temporary files, never on a command line.
 */
export function configCommandScramAdmin({
  access,
  libs,
  java = 'java',
  timeoutMs = 120_000,
}: ConfigCommandOptions): ScramUserAdmin {
  if (!existsSync(libs))
    throw new CliError(`Kafka's jars are not in ${libs}.${KAFKA_LIBS_HELP}`, EXIT.failure);

  const configCommand = async (
    args: string[],
    what: string,
    files: Record<string, string> = {},
  ): Promise<string> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'smis-scram-'));
    try {
      const written: Record<string, string> = {};
      for (const [name, content] of Object.entries({
        'client.properties': clientProperties(access),
        ...files,
      })) {
        written[name] = path.join(dir, name);
        await writeFile(written[name], content, { mode: 0o600 });
      }
      const resolved = args.map((arg) => (arg.startsWith('@') ? written[arg.slice(1)] : arg));
      const { stdout } = await run(
        java,
        [
          '-Xmx256m',
          '-cp',
          `${libs}/*`,
          'kafka.admin.ConfigCommand',
          '--bootstrap-server',
          access.brokers.join(','),
          '--command-config',
          written['client.properties'],
          ...resolved,
        ],
        { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      );
      return stdout;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new CliError(`'${java}' was not found: SCRAM users need Java 17 or later`, EXIT.failure);
      throw new CliError(`Could not ${what}: ${failureDetail(error)}`, EXIT.failure);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  return {
    async listUsers() {
      const output = await configCommand(['--describe', '--entity-type', 'users'], 'list the SCRAM users');
      return output
        .split('\n')
        .map((line) => DESCRIBED.exec(line.trim()))
        .filter((match): match is RegExpExecArray => match !== null && match[2].includes('SCRAM-SHA-512'))
        .map((match) => match[1]);
    },

    async apply(changes: readonly ScramUserChange[]) {
      for (const change of changes) {
        const target = ['--entity-type', 'users', '--entity-name', change.user];
        if (change.remove) {
          await configCommand(
            ['--alter', '--delete-config', 'SCRAM-SHA-512', ...target],
            `delete SCRAM user ${change.user}`,
          );
        } else {
          if (!change.password) throw new TypeError(`SCRAM user ${change.user} needs a password`);
          await configCommand(
            ['--alter', '--add-config-file', '@user.properties', ...target],
            `set SCRAM user ${change.user}`,
            {
              // ConfigCommand reads `SCRAM-SHA-512=iterations=n,password=p` from a properties file.
              'user.properties': `SCRAM-SHA-512=iterations=${ITERATIONS},password=${change.password}\n`,
            },
          );
        }
      }
    },
  };
}
