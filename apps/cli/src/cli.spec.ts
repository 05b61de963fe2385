import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from './cli';
import { EXIT } from './exit-codes';
import { findKafkaLibs } from './scram/config-command-scram-admin';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PLATFORM_YAML = path.join(ROOT, 'deploy/provisioning/platform.yaml');

async function smis(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('smis command line', () => {
  it('prints help with the exit codes, and exits 0', async () => {
    for (const argv of [
      ['--help'],
      ['admin', '--help'],
      ['admin', 'apply', '--help'],
      ['admin', 'render-strimzi', '--help'],
    ]) {
      const { code, stdout } = await smis(argv);
      expect(code).toBe(EXIT.ok);
      expect(stdout).toContain('Exit codes:');
    }
    expect((await smis(['admin', 'apply', '--help'])).stdout).toContain('--dry-run');
  });

  it('exits 2 on usage errors', async () => {
    expect((await smis([])).code).toBe(EXIT.usage);
    expect((await smis(['admin', 'frobnicate'])).code).toBe(EXIT.usage);
    expect((await smis(['admin', 'apply'])).stderr).toMatch(/missing required argument 'file'/);
    expect((await smis(['admin', 'apply', PLATFORM_YAML, '--skip', 'everything'])).code).toBe(EXIT.usage);
    const exitCodeAlone = await smis(['admin', 'apply', PLATFORM_YAML, '--exit-code']);
    expect(exitCodeAlone).toMatchObject({
      code: EXIT.usage,
      stderr: 'smis: --exit-code only goes with --dry-run\n',
    });
    const noBrokers = await smis(['admin', 'apply', PLATFORM_YAML, '--dry-run', '--skip', 'users']);
    expect(noBrokers).toMatchObject({ code: EXIT.usage, stderr: expect.stringContaining('KAFKA_BROKERS') });
  });

  it('exits 1 on an invalid file or an unset password, naming them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smis-cli-'));
    const invalid = path.join(dir, 'invalid.yaml');
    writeFileSync(invalid, 'version: 1\ntopics:\n  - name: "bad topic"\n');
    const result = await smis(['admin', 'apply', invalid, '--dry-run'], { KAFKA_BROKERS: '127.0.0.1:1' });
    expect(result.code).toBe(EXIT.failure);
    expect(result.stderr).toContain('$.topics[0].name: must be a Kafka topic name');

    const unset = await smis(['admin', 'apply', PLATFORM_YAML, '--dry-run'], {
      KAFKA_BROKERS: '127.0.0.1:1',
    });
    expect(unset.code).toBe(EXIT.failure);
    expect(unset.stderr).toContain('smis-router: environment variable SMIS_KAFKA_PASSWORD_ROUTER is not set');
  });

  it('renders the Strimzi resources of a file', async () => {
    const printed = await smis(['admin', 'render-strimzi', PLATFORM_YAML]);
    expect(printed.code).toBe(EXIT.ok);
    const kinds = parseAllDocuments(printed.stdout).map((d) => (d.toJS() as { kind: string }).kind);
    expect(new Set(kinds)).toEqual(new Set(['KafkaTopic', 'KafkaUser']));

    const out = mkdtempSync(path.join(os.tmpdir(), 'smis-strimzi-'));
    expect((await smis(['admin', 'render-strimzi', PLATFORM_YAML, '--out', out])).code).toBe(EXIT.ok);
    expect(readFileSync(path.join(out, 'users.yaml'), 'utf8')).toContain('kind: KafkaUser');
  });

  it('runs as a process with the same exit codes', () => {
    const child = spawnSync(
      process.execPath,
      [path.join(ROOT, 'tools/run-ts.cjs'), path.join(ROOT, 'apps/cli/src/main.ts'), 'admin', 'nope'],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(child.status).toBe(EXIT.usage);
    expect(child.stderr).toContain("unknown command 'nope'");
  });
});

describe('findKafkaLibs', () => {
  it('prefers the flag, then SMIS_KAFKA_LIBS, then KAFKA_HOME, then the jars of a checkout', () => {
    const repository = mkdtempSync(path.join(os.tmpdir(), 'smis-repo-'));
    expect(findKafkaLibs(undefined, {}, repository)).toBeUndefined();
    mkdirSync(path.join(repository, 'tools/kafka/.cache/lib-4.1.2'), { recursive: true });
    expect(findKafkaLibs(undefined, {}, repository)).toBeUndefined(); // not completely resolved
    writeFileSync(path.join(repository, 'tools/kafka/.cache/lib-4.1.2/.complete'), '');
    expect(findKafkaLibs(undefined, {}, repository)).toBe(
      path.join(repository, 'tools/kafka/.cache/lib-4.1.2'),
    );
    expect(findKafkaLibs(undefined, { KAFKA_HOME: '/opt/kafka' }, repository)).toBe('/opt/kafka/libs');
    expect(findKafkaLibs(undefined, { KAFKA_HOME: '/opt/kafka', SMIS_KAFKA_LIBS: '/jars' }, repository)).toBe(
      '/jars',
    );
    expect(findKafkaLibs('/flag', { SMIS_KAFKA_LIBS: '/jars' }, repository)).toBe('/flag');
  });
});
