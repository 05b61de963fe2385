import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** tools/kafka: the pom that pins the broker version, and the git-ignored cache beside it. */
export const KAFKA_TOOL_DIR = path.resolve(__dirname, '..');
export const CACHE_DIR = process.env.SMIS_KAFKA_CACHE ?? path.join(KAFKA_TOOL_DIR, '.cache');
const POM = path.join(KAFKA_TOOL_DIR, 'pom.xml');

export class KafkaToolError extends Error {
  override readonly name = 'KafkaToolError';
}

/** The Kafka version pinned in tools/kafka/pom.xml. */
export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!match) throw new KafkaToolError(`No <kafka.version> in ${POM}`);
  return match[1];
}

export function libDir(): string {
  return path.join(CACHE_DIR, `lib-${kafkaVersion()}`);
}

async function requireCommand(command: string, args: string[], hint: string): Promise<void> {
  try {
    await run(command, args, { timeout: 30_000 });
  } catch {
    throw new KafkaToolError(`'${command}' is not available. ${hint}`);
  }
}

/**
 * Resolves the broker's jars from Maven Central once (into `.cache/lib-<version>`), then reuses
 * them. Concurrent callers (several test processes) wait on a lock directory instead of racing.
 */
export async function ensureKafkaJars(log: (line: string) => void = () => undefined): Promise<string> {
  const lib = libDir();
  const marker = path.join(lib, '.complete');
  if (existsSync(marker)) return lib;
  mkdirSync(CACHE_DIR, { recursive: true });
  const lock = path.join(CACHE_DIR, 'resolve.lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(marker)) return lib;
      // A lock older than 10 minutes belongs to a process that died.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* lock vanished meanwhile */
      }
      if (Date.now() > deadline)
        throw new KafkaToolError(`Timed out waiting for ${lock}; remove it if stale`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    if (existsSync(marker)) return lib;
    await requireCommand(
      'java',
      ['-version'],
      'Install Java 17 or later (apt-get install -y openjdk-17-jre-headless).',
    );
    await requireCommand(
      'mvn',
      ['-v'],
      'Install Maven (apt-get install -y maven), or set KAFKA_BROKERS to use an existing cluster.',
    );
    log(`Resolving Apache Kafka ${kafkaVersion()} from Maven Central into ${lib} (first run only)`);
    rmSync(lib, { recursive: true, force: true });
    try {
      await run(
        'mvn',
        [
          '-q',
          '-B',
          '-f',
          POM,
          'dependency:copy-dependencies',
          '-DincludeScope=runtime',
          `-DoutputDirectory=${lib}`,
        ],
        { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new KafkaToolError(
        `Maven could not resolve the Kafka jars: ${(e.stdout || e.stderr || e.message).slice(-2000)}`,
      );
    }
    if (!existsSync(path.join(lib, `kafka_2.13-${kafkaVersion()}.jar`))) {
      throw new KafkaToolError(`Maven finished but ${lib} has no kafka_2.13-${kafkaVersion()}.jar`);
    }
    await import('node:fs/promises').then((fs) => fs.writeFile(marker, new Date().toISOString()));
    return lib;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
