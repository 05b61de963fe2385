/**
 * `npm ci && npm start, then the printed demo command, shows the message in the citizen app and
 * the status events in the terminal` — as a user does it: start.ts as a child process in a process
 * group of its own (the terminal's foreground group), state in a temporary directory (PGlite, keys,
 * demo sender), the citizen app's HTTP calls, the printed command, and Ctrl-C (SIGINT to the group).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { newDevice, type TestDevice } from '@smis/app-channel/testing';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { decodeContent } from '@smis/message-content';
import { testKafkaBrokers, waitFor } from '@smis/testing';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..', '..');
/** The number start.ts tells the citizen to enrol with, and the demo command addresses. */
const DEMO_PHONE = '+32 470 00 00 01';

interface Run {
  child: ChildProcess;
  dataDir: string;
  /** stdout and stderr, interleaved as they arrive. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const runs: Run[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm start` (the package.json script), in a process group of its own like a terminal job. */
function npmStart(env: NodeJS.ProcessEnv): Run {
  const script = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start;
  const [command, ...args] = script.split(' ');
  expect(command).toBe('node');
  const dataDir = env.SMIS_DATA_DIR as string;
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const run = { child, dataDir, output: () => output, exited };
  runs.push(run);
  return run;
}

/** The environment of a user's shell: nothing of the test harness's database or this run's state. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['DATABASE_URL', 'SMIS_SERVICES', 'SMIS_SIMULATORS', 'LOG_LEVEL', 'HOST'])
    delete env[name];
  return env;
}

/** Waits for the banner and records how long start-up took. */
async function waitUntilUp(run: Run, label: string, spawnedAt: number): Promise<void> {
  const banner = await waitFor(() => /SMIS is up \(([\d.]+) s\)/.exec(run.output()) ?? undefined, {
    timeoutMs: 120_000,
    intervalMs: 100,
    description: `'SMIS is up' from npm start (${label})`,
  });
  await waitFor(() => /--watch\n/.test(run.output()), { description: 'the whole demo command' });
  console.info(
    `npm start (${label}): up in ${((Date.now() - spawnedAt) / 1000).toFixed(1)} s from spawn; it printed ${banner[1]} s`,
  );
}

/** Ctrl-C: SIGINT to the whole process group, as a terminal sends it. */
async function ctrlC(
  run: Run,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const before = run.output().length;
  const sent = Date.now();
  process.kill(-(run.child.pid as number), 'SIGINT');
  const exit = await Promise.race([
    run.exited,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 90_000).unref()),
  ]);
  if (!exit) throw new Error(`npm start did not exit within 90 s of Ctrl-C:\n${run.output().slice(-3000)}`);
  console.info(`npm start: stopped ${((Date.now() - sent) / 1000).toFixed(1)} s after Ctrl-C`);
  return { ...exit, output: run.output().slice(before) };
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text.slice(0, 500)).toBe(status);
  return JSON.parse(text) as T;
}

afterAll(() => {
  for (const run of runs) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      try {
        process.kill(-(run.child.pid as number), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const pidFile = path.join(run.dataDir, 'kafka', 'broker.pid');
    if (existsSync(pidFile)) {
      for (const pid of readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).map(Number))
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(run.dataDir, { recursive: true, force: true });
  }
});

describe('npm start', () => {
  it('serves the demo: the citizen enrols with the printed phone number, the printed command reaches the app, Ctrl-C stops cleanly', async () => {
    const port = await freePort();
    const brokers = testKafkaBrokers().join(',');
    const spawnedAt = Date.now();
    const run = npmStart(
      userEnv({
        KAFKA_BROKERS: brokers,
        PORT: String(port),
        SMIS_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'smis-npm-start-')),
      }),
    );
    await waitUntilUp(run, 'KAFKA_BROKERS', spawnedAt);
    const printed = run.output();
    expect(printed).toContain(`Kafka: using KAFKA_BROKERS=${brokers}`);
    const url = `http://127.0.0.1:${port}`;
    expect(printed).toContain(`Citizen app      ${url}/app/`);
    expect(printed).toContain(`enrol with the phone number ${DEMO_PHONE};`);
    const smsMessages = /SMS gateway simulator .*\(messages: (http:\/\/\S+\/_simulator\/messages)\)/.exec(
      printed,
    )?.[1];
    expect(smsMessages).toBeDefined();
    // The citizen app is built and served on the same origin as the APIs it calls.
    const app = await fetch(`${url}/app/`);
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toMatch(/text\/html/);

    // The local OpenID provider sends the citizen back to the app (/app/), which completes the login.
    const started = await json<{ authorizationUrl: string }>(
      await fetch(`${url}/v1/identity/oidc/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
      201,
    );
    expect(new URL(started.authorizationUrl).searchParams.get('redirect_uri')).toBe(`${url}/app/`);
    const back = await browseOidcLogin(started.authorizationUrl, url);
    expect(`${back.origin}${back.pathname}`).toBe(`${url}/app/`);
    const oidcCredential = await json<{ credential: string }>(
      await fetch(`${url}/v1/identity/oidc/callback${back.search}`),
      200,
    );
    expect(oidcCredential.credential.split('.')).toHaveLength(3);

    // Step 1 of the printout: enrol with the demo phone number; the code is at the SMS simulator.
    const enrolment = await json<{ enrolmentId: string }>(
      await fetch(`${url}/v1/identity/enrolments/phone`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: DEMO_PHONE }),
      }),
      201,
    );
    const digits = DEMO_PHONE.replace(/\D/g, '');
    const code = await waitFor(
      async () => {
        const sent = (await (await fetch(smsMessages as string)).json()) as { to: string; text: string }[];
        const sms = sent.find((s) => s.to.replace(/\D/g, '') === digits);
        return sms ? /\b(\d{6})\b/.exec(sms.text)?.[1] : undefined;
      },
      { description: 'the enrolment code at the SMS gateway simulator' },
    );
    const { credential } = await json<{ credential: string }>(
      await fetch(`${url}/v1/identity/enrolments/${enrolment.enrolmentId}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      }),
      200,
    );
    const device = newDevice();
    const registration = JSON.stringify({
      credential,
      encryptionPublicKey: Buffer.from(device.keys.publicKey).toString('base64'),
      signingPublicKey: Buffer.from(device.signing.publicKey).toString('base64'),
      push: { provider: 'fcm', token: `fcm-npm-start-${device.deviceId}` },
      notificationsEnabled: true,
      locale: 'en-BE',
      appVersion: '1.0.0',
    });
    const registered = await fetch(`${url}/v1/app/devices`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...device.sign('POST', '/v1/app/devices', registration),
      },
      body: registration,
    });
    expect(registered.status, await registered.text()).toBe(201);

    // Step 2: the printed command, as printed, from a shell without this run's environment.
    const command = demoCommand(printed);
    expect(command).toContain('npm run smis -- send --to tel:+32470000001');
    const cli = spawn('bash', ['-c', command], {
      cwd: ROOT,
      env: userEnv({}),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let cliOut = '';
    let cliErr = '';
    cli.stdout.on('data', (d: Buffer) => (cliOut += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (cliErr += d.toString()));
    const cliExited = new Promise<number | null>((resolve) => cli.once('exit', (c) => resolve(c)));
    try {
      const messageId = await waitFor(() => /^sent (\S+)$/m.exec(cliOut)?.[1], {
        timeoutMs: 60_000,
        description: `'sent <messageId>' from the demo command (stderr: ${cliErr.slice(-500)})`,
      });
      expect(cliOut).toMatch(/app installed: yes, notifications: on, devices: 1/);

      // The app: inbox sync, open the sealed message, acknowledge it and read it.
      const signed = (method: string, route: string) =>
        fetch(`${url}${route}`, { method, headers: (device as TestDevice).sign(method, route) });
      await waitFor(
        async () => {
          const inbox = await json<{ items: { messageId: string }[] }>(
            await signed('GET', '/v1/app/inbox'),
            200,
          );
          return inbox.items.some((i) => i.messageId === messageId);
        },
        { description: 'the message in the inbox of the enrolled device' },
      );
      const fetched = await json<{ envelope: string }>(
        await signed('GET', `/v1/app/messages/${messageId}`),
        200,
      );
      const sender = JSON.parse(readFileSync(path.join(run.dataDir, 'demo-sender.json'), 'utf8')) as {
        senderId: string;
        keyId: string;
        publicKey: string;
      };
      const opened = createSodiumEnvelopeCrypto().open(Buffer.from(fetched.envelope, 'base64'), device.keys, {
        lookupSenderKey: (id, keyId) =>
          id === sender.senderId && keyId === sender.keyId
            ? Buffer.from(sender.publicKey, 'base64')
            : undefined,
      });
      expect(opened.messageId).toBe(messageId);
      const content = decodeContent(opened.content);
      expect(content.texts.en).toEqual({ title: 'Test result', body: 'Your test is negative.' });
      expect(content.texts.nl?.body).toBe('Uw test is negatief.');
      expect(content.parts).toEqual([{ kind: 'qr', data: 'DEMO-PCR-2026' }]);
      expect((await signed('POST', `/v1/app/messages/${messageId}/delivered`)).status).toBe(204);
      expect((await signed('POST', `/v1/app/messages/${messageId}/read`)).status).toBe(204);

      // The terminal shows the statuses; READ in the app is final, so the command ends by itself.
      const cliCode = await Promise.race([
        cliExited,
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref()),
      ]);
      expect(cliCode, `${cliOut}\n${cliErr.slice(-1000)}`).toBe(0);
      const statuses = cliOut
        .split('\n')
        .filter((line) => line.includes(`  ${messageId}  `))
        .map((line) => line.split(`  ${messageId}  `)[1]);
      expect(statuses).toEqual(
        expect.arrayContaining([
          'ACCEPTED',
          'ROUTED via APP',
          'DISPATCHED via APP',
          'DELIVERED via APP',
          'READ via APP',
        ]),
      );
    } finally {
      if (cli.exitCode === null && cli.signalCode === null) process.kill(-(cli.pid as number), 'SIGKILL');
    }

    const stop = await ctrlC(run);
    expect(stop.code, stop.output.slice(-3000)).toBe(0);
    expect(stop.output).toContain('SMIS platform stopped');
    expect(run.output()).not.toContain('Consumer crashed');
    expect(run.output()).not.toContain('ECONNREFUSED');
    // Neither the phone number nor the message leaves a trace in the platform's logs.
    const logs = run
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(logs.length).toBeGreaterThan(20);
    for (const secret of [digits, DEMO_PHONE, 'Your test is negative.', 'DEMO-PCR-2026'])
      expect(logs.filter((line) => line.includes(secret))).toEqual([]);
  });

  it('starts a broker of its own out of reach of Ctrl-C, and stops it after the platform', async () => {
    let kafkaPort = 0;
    for (let attempt = 0; attempt < 20 && !kafkaPort; attempt++) {
      const candidate = await freePort();
      if (candidate < 65535 && (await portIsFree(candidate + 1))) kafkaPort = candidate;
    }
    expect(kafkaPort).toBeGreaterThan(0);
    const env = userEnv({
      KAFKA_PORT: String(kafkaPort),
      PORT: String(await freePort()),
      SMIS_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'smis-npm-start-')),
    });
    delete env.KAFKA_BROKERS;
    const spawnedAt = Date.now();
    const run = npmStart(env);
    await waitUntilUp(run, 'own broker', spawnedAt);
    expect(run.output()).toContain('Kafka: starting a local broker');
    expect(run.output()).toContain(`KAFKA_BROKERS=127.0.0.1:${kafkaPort} npm run smis -- send`);
    const brokerPid = Number(readFileSync(path.join(run.dataDir, 'kafka', 'broker.pid'), 'utf8').trim());
    expect(isAlive(brokerPid)).toBe(true);
    const groupOf = (pid: number) =>
      Number(spawnSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim());
    // Ctrl-C goes to the terminal's foreground process group: the broker is not in it.
    expect(groupOf(run.child.pid as number)).toBe(run.child.pid);
    expect(groupOf(brokerPid)).not.toBe(run.child.pid);

    const stop = await ctrlC(run);
    expect(stop.code, stop.output.slice(-3000)).toBe(0);
    expect(stop.output).not.toContain('Consumer crashed');
    expect(stop.output).not.toContain('ECONNREFUSED');
    const platformStopped = stop.output.indexOf('SMIS platform stopped');
    expect(platformStopped).toBeGreaterThan(-1);
    expect(stop.output.indexOf('Kafka stopped')).toBeGreaterThan(platformStopped);
    expect(isAlive(brokerPid)).toBe(false);
    expect(existsSync(path.join(run.dataDir, 'kafka', 'broker.pid'))).toBe(false);
  });
});

/** The demo command of the printout, its continuation lines joined, for `bash -c`. */
function demoCommand(printed: string): string {
  const lines = printed.split('\n');
  const start = lines.findIndex((l) => l.includes('In another terminal'));
  expect(start).toBeGreaterThan(-1);
  const command: string[] = [];
  for (const line of lines.slice(start + 1)) {
    command.push(line.trim().replace(/\\$/, '').trim());
    if (!line.trimEnd().endsWith('\\')) break;
  }
  return command.join(' ');
}

/**
 * Plays the browser through the local OpenID provider: its login form (first citizen), then the
 * redirects, until it is sent back to the platform. Returns that redirect (`...?code=&state=`).
 */
async function browseOidcLogin(authorizationUrl: string, platformUrl: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      const value = pair.slice(at + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(pair.slice(0, at).trim());
      else jar.set(pair.slice(0, at).trim(), value);
    }
  };
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 12; hop++) {
    if (url.origin === new URL(platformUrl).origin) return url;
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: cookies() } });
    remember(response);
    const location = response.headers.get('location');
    if (location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    const page = await response.text();
    expect(response.status, page.slice(0, 300)).toBe(200);
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    const citizen = /<option value="(\d{11})"/.exec(page)?.[1];
    expect(action && citizen, page.slice(0, 300)).toBeTruthy();
    const login = await fetch(new URL(action as string, url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookies(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ niss: citizen as string }).toString(),
    });
    remember(login);
    await login.body?.cancel();
    const next = login.headers.get('location');
    expect(next, `login answered ${login.status}`).toBeTruthy();
    url = new URL(next as string, url);
  }
  throw new Error('the OpenID login did not come back to the platform');
}
