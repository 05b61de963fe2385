import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateKeyring } from '@smis/keyring';
import { testDatabaseUrl, testKafkaBrokers, waitFor } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli';
import type { CliIo } from '../io';

const ROOT = path.resolve(__dirname, '../../../..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t) };
  const code = await runCli(args, { io, env });
  return { code, out, err };
}

/** The `smis` CLI as a sender uses it, against the whole platform running as its own process. */
describe('smis send, send-bulk, watch and reports against the running platform', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smis-cli-'));
  const files = {
    keys: path.join(dir, 'keys.json'),
    senders: path.join(dir, 'senders.yaml'),
    profile: path.join(dir, 'cli-test.sender.json'),
    csv: path.join(dir, 'bulk.csv'),
  };
  let platform: ChildProcess;
  let url: string;
  const env: NodeJS.ProcessEnv = { SMIS_DATA_DIR: dir };

  beforeAll(async () => {
    writeFileSync(files.keys, JSON.stringify(generateKeyring()), { mode: 0o600 });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const onboarded = await cli(
      [
        'sender',
        'onboard',
        'cli-test',
        '--name',
        'CLI test sender',
        '--categories',
        'health',
        '--registry',
        files.senders,
        '--keys',
        files.keys,
        '--gateway',
        url,
        '--brokers',
        testKafkaBrokers().join(','),
        '--out',
        files.profile,
      ],
      env,
    );
    expect(onboarded.code).toBe(0);
    expect(onboarded.out).toContain("Onboarded 'cli-test'");
    expect(readFileSync(files.senders, 'utf8')).toContain('cli-test');
    platform = spawn(
      process.execPath,
      [path.join(ROOT, 'tools/run-ts.cjs'), path.join(ROOT, 'apps/platform/src/main.ts')],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: testKafkaBrokers().join(','),
          DATABASE_URL: testDatabaseUrl(),
          SMIS_DATA_DIR: dir,
          SMIS_KEYRING_FILE: files.keys,
          SMIS_SENDERS_FILE: files.senders,
          PORT: String(port),
          LOG_LEVEL: 'warn',
        },
        stdio: 'ignore',
      },
    );
    await waitFor(async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok, {
      timeoutMs: 120_000,
      description: 'the platform to answer /health',
    });
  }, 180_000);

  afterAll(async () => {
    if (platform && platform.exitCode === null) {
      const exited = new Promise((resolve) => platform.once('exit', resolve));
      platform.kill('SIGTERM');
      await exited;
    }
  });

  it('sends one message and follows it to its final status', async () => {
    const sent = await cli(
      [
        'send',
        '--profile',
        files.profile,
        '--to',
        'tel:+32470990001',
        '--text',
        'en=Hello',
        '--sms',
        'Hello by SMS',
        '--category',
        'health',
        '--watch',
        '--timeout',
        '60',
      ],
      env,
    );
    expect(sent.err).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.out).toMatch(/^sent [0-9a-f-]{36}$/m);
    expect(sent.out).toContain('app installed: no');
    // No device and no registered phone: every channel is exhausted, which is a final status.
    expect(sent.out).toMatch(/ACCEPTED/);
    expect(sent.out).toMatch(/FAILED \(channels\.exhausted\)/);
  });

  it('sends a CSV in bulk with a summary, and watch follows a message sent before', async () => {
    writeFileSync(
      files.csv,
      'recipient,text_nl,text_fr,sms\ntel:+32470990002,Hallo,Bonjour,Hi\n"niss:93051822361","Dag, u",Salut,Hi\ntel:+32470990003,Goeiedag,,Hi\n',
    );
    const bulk = await cli(
      ['send-bulk', files.csv, '--profile', files.profile, '--category', 'health', '--no-progress'],
      env,
    );
    expect(bulk.code).toBe(0);
    expect(bulk.out).toContain('3 sent, 0 failed of 3');

    const one = await cli(
      ['send', '--profile', files.profile, '--to', '+32470990004', '--text', 'Hi', '--sms', 'Hi', '--json'],
      env,
    );
    const { messageId } = JSON.parse(one.out) as { messageId: string };
    const watched = await cli(
      ['watch', '--profile', files.profile, '--message', messageId, '--timeout', '60'],
      env,
    );
    expect(watched.code).toBe(0);
    expect(watched.out).toContain(`${messageId}  ACCEPTED`);
    expect(watched.out).toMatch(new RegExp(`${messageId}  FAILED \\(channels\\.exhausted\\)`));
  });

  it('prints the scorecard and the SMS cost report', async () => {
    const card = await cli(['report', 'scorecard', '--profile', files.profile, '--json'], env);
    expect(card.code).toBe(0);
    const scorecard = JSON.parse(card.out) as { volume: number };
    expect(scorecard.volume).toBeGreaterThanOrEqual(5);
    const cost = await cli(['report', 'cost', '--platform', url, '--json'], env);
    expect(cost.code).toBe(0);
    expect(JSON.parse(cost.out)).toHaveProperty('totals');
  });

  it('refuses a bad command line with exit code 2 and says what is missing', async () => {
    const missing = await cli(['send', '--profile', files.profile, '--text', 'x'], env);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--to/);
  });
});
