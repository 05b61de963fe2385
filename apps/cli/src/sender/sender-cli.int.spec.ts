import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { newDevice, type TestDevice } from '@smis/app-channel/testing';
import { generateKeyring } from '@smis/keyring';
import { createPseudonymizer, createTranscryptor } from '@smis/pseudonym';
import { calculateJwkThumbprint, importJWK, SignJWT } from 'jose';
import {
  BroadcastNotFoundError,
  createSenderClient,
  type BroadcastView,
  type SenderClient,
} from '@smis/sender-sdk';
import { testDatabaseUrl, testKafkaBrokers, uniqueName, waitFor } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli';
import type { CliIo } from '../io';
import { clientConfig, loadSenderProfile } from './sender-profile';

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
describe('smis send, send-bulk, watch, broadcast and reports against the running platform', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'smis-cli-'));
  const files = {
    keys: path.join(dir, 'keys.json'),
    senders: path.join(dir, 'senders.yaml'),
    profile: path.join(dir, 'cli-test.sender.json'),
    csv: path.join(dir, 'bulk.csv'),
    list: path.join(dir, 'flood-zone.txt'),
    badList: path.join(dir, 'typo.txt'),
  };
  const keyring = generateKeyring();
  let platform: ChildProcess;
  let url: string;
  const env: NodeJS.ProcessEnv = { SMIS_DATA_DIR: dir };
  /** The sender's SDK client over REST: what the test reads broadcasts with (its gateway token). */
  let viewer: SenderClient | undefined;

  beforeAll(async () => {
    writeFileSync(files.keys, JSON.stringify(keyring), { mode: 0o600 });
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
        '--broadcast',
        'alert',
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
          // Its own group on the shared broker, and a slow per-device fan-out (APNs: one push per
          // second, one device per page) so a country broadcast is still running when cancelled.
          SMIS_BROADCAST_CONSUMER_GROUP: uniqueName('smis-broadcast-cli'),
          SMIS_BROADCAST_APNS_RATE: '1',
          SMIS_BROADCAST_PAGE_SIZE: '1',
          SMIS_BROADCAST_CONCURRENCY: '1',
          SMIS_BROADCAST_POLL_INTERVAL_MS: '200',
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
    await viewer?.close();
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

  /** The enrolment credential identity would issue after an SMS code (ADR 4), made with the test keyring. */
  async function credentialOf(identifier: string): Promise<string> {
    const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
    const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
    const pp = pseudonymizer.polymorphicPseudonym(identifier);
    const jwk = keyring.identity.credentialPrivateKey as { kty: string; crv: string; x: string };
    const key = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
    const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });
    return new SignJWT({
      app: [transcryptor.transcrypt(pseudonymizer.rerandomize(pp), 'app')],
      pp: [pseudonymizer.rerandomize(pp)],
      methods: ['sms_otp'],
    })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'smis-enrolment+jwt' })
      .setIssuer('smis-identity')
      .setAudience('smis-app-channel')
      .setSubject(randomUUID())
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);
  }

  /** A citizen's device registered in the app channel. */
  async function registerDevice(
    identifier: string,
    provider: 'fcm' | 'apns',
    alertRegions: string[] = [],
  ): Promise<TestDevice> {
    const credential = await credentialOf(identifier);
    const device = newDevice();
    const token =
      provider === 'apns' ? randomBytes(32).toString('hex') : `fcm-${randomBytes(12).toString('hex')}`;
    const request = async (method: 'POST' | 'PUT', route: string, payload: unknown): Promise<number> => {
      const body = JSON.stringify(payload);
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { 'content-type': 'application/json', ...device.sign(method, route, body) },
        body,
      });
      return response.status;
    };
    expect(
      await request('POST', '/v1/app/devices', {
        credential,
        encryptionPublicKey: Buffer.from(device.keys.publicKey).toString('base64'),
        signingPublicKey: Buffer.from(device.signing.publicKey).toString('base64'),
        push: { provider, token },
        notificationsEnabled: true,
      }),
    ).toBe(201);
    if (alertRegions.length > 0)
      expect(await request('PUT', '/v1/app/preferences', { alertRegions })).toBe(200);
    return device;
  }

  async function deviceCall(device: TestDevice, method: 'GET' | 'POST', route: string): Promise<Response> {
    return fetch(`${url}${route}`, { method, headers: device.sign(method, route) });
  }

  /** The broadcasts in a device's inbox. */
  async function inboxBroadcasts(device: TestDevice): Promise<string[]> {
    const response = await deviceCall(device, 'GET', '/v1/app/inbox');
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: { messageId: string; kind: string }[] };
    return items.filter((i) => i.kind === 'broadcast').map((i) => i.messageId);
  }

  /** The platform's view of a broadcast, as the CLI reads it (the sender's gateway token decides, ADR 0803). */
  async function broadcastView(broadcastId: string): Promise<BroadcastView | undefined> {
    viewer ??= createSenderClient(
      clientConfig({ ...loadSenderProfile({ profile: files.profile }, env), brokers: undefined }),
    );
    try {
      return await viewer.broadcastStatus(broadcastId);
    } catch (error) {
      if (error instanceof BroadcastNotFoundError) return undefined;
      throw error;
    }
  }

  // The broadcast tests build on each other (the devices, the finished region broadcast): run them together.
  const broadcastIdOf = (out: string): string => (JSON.parse(out) as { broadcastId: string }).broadcastId;
  let inRegion: TestDevice;
  let outside: TestDevice;
  let regionBroadcast: string;

  it('broadcasts to an alert region: only subscribed devices get it, and watch follows it to the end', async () => {
    inRegion = await registerDevice('tel:+32470990101', 'fcm', ['21004']);
    outside = await registerDevice('tel:+32470990102', 'fcm');
    const sent = await cli(
      [
        'broadcast',
        'send',
        '--profile',
        files.profile,
        '--region',
        '21004',
        '--priority',
        'URGENT',
        '--title',
        'Flood warning',
        '--text',
        'nl=Blijf binnen.',
        '--text',
        'fr=Restez à l’intérieur.',
        '--json',
      ],
      env,
    );
    expect(sent.err).toBe('');
    expect(sent.code).toBe(0);
    regionBroadcast = broadcastIdOf(sent.out);

    const watched = await cli(
      [
        'broadcast',
        'watch',
        regionBroadcast,
        '--profile',
        files.profile,
        '--interval',
        '0.2',
        '--timeout',
        '60',
      ],
      env,
    );
    expect(watched.code).toBe(0);
    expect(watched.out).toMatch(new RegExp(`${regionBroadcast}  DONE$`, 'm'));
    // The FCM device of the region is reached through the region topic: one topic message.
    expect(watched.out).toContain(
      `broadcast ${regionBroadcast} DONE: targeted 1, pushes sent 0 + 1 topic message, failed 0`,
    );
    expect(watched.err).toMatch(/\[[#.]{24}\] +\d+% DONE +targeted 1 · pushes 0 \+ 1 topic/);
    expect(await inboxBroadcasts(inRegion)).toContain(regionBroadcast);
    expect(await inboxBroadcasts(outside)).not.toContain(regionBroadcast);

    // The citizen opens it: delivered and read show in the progress.
    expect((await deviceCall(inRegion, 'GET', `/v1/app/messages/${regionBroadcast}`)).status).toBe(200);
    expect((await deviceCall(inRegion, 'POST', `/v1/app/messages/${regionBroadcast}/read`)).status).toBe(204);
    const again = await cli(
      ['broadcast', 'watch', regionBroadcast, '--profile', files.profile, '--json'],
      env,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out.trim().split('\n').at(-1) as string)).toMatchObject({
      state: 'DONE',
      devicesTargeted: 1,
      delivered: 1,
      read: 1,
    });
  });

  it('broadcasts to a list file, pseudonymized and streamed, reaching the listed citizen only', async () => {
    writeFileSync(
      files.list,
      '# flood zone, street by street\n0470 99 01 02\n\ntel:+32470990901\nniss:85073003328\n',
    );
    const sent = await cli(
      [
        'broadcast',
        'send',
        '--profile',
        files.profile,
        '--list',
        files.list,
        '--priority',
        'URGENT',
        '--text',
        'Sandbags at the town hall.',
        '--watch',
        '--timeout',
        '60',
      ],
      env,
    );
    expect(sent.code).toBe(0);
    const id = /^broadcast ([0-9a-f-]{36}) published \(LIST, URGENT, category alert\)$/m.exec(sent.out)?.[1];
    expect(id).toBeDefined();
    expect(sent.out).toContain('  list: 3 recipients in 1 chunks');
    expect(sent.err).toContain('list: 3 recipients published in 1 chunks');
    expect(sent.out).toContain(
      `broadcast ${id} DONE: list recipients 3, targeted 1, pushes sent 1, failed 0`,
    );
    expect(await inboxBroadcasts(outside)).toContain(id);
    expect(await inboxBroadcasts(inRegion)).not.toContain(id);

    writeFileSync(files.badList, 'tel:+32470990102\n\nniss:93051822399\n');
    const refused = await cli(
      ['broadcast', 'send', '--profile', files.profile, '--list', files.badList, '--text', 'Hi'],
      env,
    );
    expect(refused.code).toBe(2);
    expect(refused.err).toBe(
      `smis: ${files.badList}:3: invalid recipient (niss-check-digits): the last two digits do not match the first nine: check the NISS for a typo\n`,
    );
    expect(refused.out).toBe('');
  });

  it('cancels a running country broadcast: watch ends with CANCELLED and it leaves the inboxes', async () => {
    for (let i = 0; i < 8; i++) await registerDevice(`tel:+3247099020${i}`, 'apns');
    const sent = await cli(
      [
        'broadcast',
        'send',
        '--profile',
        files.profile,
        '--everyone',
        '--priority',
        'URGENT',
        '--text',
        'Test of the alert system.',
        '--json',
      ],
      env,
    );
    expect(sent.code).toBe(0);
    const id = broadcastIdOf(sent.out);
    const watching = cli(
      ['broadcast', 'watch', id, '--profile', files.profile, '--interval', '0.2', '--timeout', '90'],
      env,
    );
    const running = await waitFor(
      async () => {
        const view = await broadcastView(id);
        // Two pushes: it has been running for a second, so the watch (every 0.2 s) has seen it.
        return view?.state === 'RUNNING' && view.pushesSent >= 2 ? view : undefined;
      },
      { timeoutMs: 60_000, description: 'the country broadcast to be running' },
    );
    expect(running.devicesTargeted).toBeGreaterThanOrEqual(10);
    expect(await inboxBroadcasts(inRegion)).toContain(id);

    const cancelled = await cli(['broadcast', 'cancel', id, '--profile', files.profile], env);
    expect(cancelled.err).toBe('');
    expect(cancelled.code).toBe(0);
    expect(cancelled.out).toMatch(
      new RegExp(`^broadcast ${id} CANCELLED \\(broadcast\\.cancelled\\): targeted `),
    );

    const watched = await watching;
    expect(watched.code).toBe(0);
    expect(watched.out).toMatch(new RegExp(`${id}  RUNNING$`, 'm'));
    expect(watched.out).toMatch(new RegExp(`${id}  CANCELLED \\(broadcast\\.cancelled\\)$`, 'm'));
    expect(watched.err).toMatch(/RUNNING +targeted 1\d · pushes \d+ \+ 1 topic/);
    const final = (await broadcastView(id)) as BroadcastView;
    expect(final.state).toBe('CANCELLED');
    expect(final.pushesSent).toBeLessThan(8); // the fan-out stopped: not every APNs device was pushed
    expect(await inboxBroadcasts(inRegion)).not.toContain(id);

    // Cancelling again changes nothing; a finished broadcast cannot be cancelled; an unknown one is not found.
    expect((await cli(['broadcast', 'cancel', id, '--profile', files.profile], env)).code).toBe(0);
    const finished = await cli(['broadcast', 'cancel', regionBroadcast, '--profile', files.profile], env);
    expect(finished.code).toBe(1);
    expect(finished.err).toMatch(/is DONE and cannot be cancelled: it has finished/);
    const unknown = await cli(
      ['broadcast', 'cancel', '00000000-0000-4000-8000-000000000000', '--profile', files.profile],
      env,
    );
    expect(unknown).toMatchObject({
      code: 1,
      err: expect.stringMatching(/No broadcast 00000000-.* of sender cli-test/),
    });
  });

  it('refuses a bad command line with exit code 2 and says what is missing', async () => {
    const missing = await cli(['send', '--profile', files.profile, '--text', 'x'], env);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--to/);
  });
});
