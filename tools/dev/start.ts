/**
 * `npm start`: the whole platform on one machine, on embedded defaults.
 *
 * 1. Kafka: KAFKA_BROKERS if set; else a broker already started by `npm run kafka:start` (on
 *    KAFKA_PORT, when that is set); else a fresh local broker from Apache Kafka's jars on
 *    KAFKA_PORT (9092), its data in `<SMIS_DATA_DIR>/kafka` (`.smis/kafka`).
 * 2. The platform process (apps/platform), with KAFKA_BROKERS set for it.
 *
 * The broker this script starts runs in a process group of its own, so Ctrl-C (SIGINT to the
 * terminal's foreground group) reaches the platform only: the platform stops first (consumers
 * commit, producers flush) while the broker is still up, then this script stops the broker.
 * SIGINT, SIGTERM and SIGHUP all stop everything that way; a second signal kills the platform.
 * The broker is never left behind: stopped on errors too, killed when this process exits, and a
 * broker left by a start that was killed outright (SIGKILL) is stopped by the next start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { libDir, runningPlainCluster, startLocalKafka, type LocalKafkaCluster } from '@smis/kafka-local';
import { ensureDemoSender } from './demo-sender';

const ROOT = path.resolve(__dirname, '..', '..');
const log = (line: string): void => console.error(`[smis] ${line}`);
/** How long the platform gets to close after a signal before it is killed. */
const PLATFORM_GRACE_MS = 30_000;
/** What `npm run smis` assumes when nothing is set (apps/cli/src/sender/sender-profile.ts). */
const CLI_DEFAULTS = { brokers: '127.0.0.1:9092', port: 8080 };

/** A path for people: relative inside the repository, absolute elsewhere. */
function shown(file: string): string {
  const relative = path.relative(ROOT, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const brokerPidFile = (dir: string): string => path.join(dir, 'broker.pid');

/**
 * Stops a broker an earlier start left running in `dir` (that start was killed without a chance
 * to stop it): it would hold the port and the data directory.
 */
async function stopLeftoverBroker(dir: string): Promise<void> {
  const file = brokerPidFile(dir);
  if (!existsSync(file)) return;
  const pids = readFileSync(file, 'utf8')
    .split(/\s+/)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
  for (const pid of pids) {
    if (!isAlive(pid)) continue;
    // Only a JVM running this directory's broker: the pid may have been reused since.
    const command = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).stdout ?? '';
    if (!command.includes('kafka.Kafka') || !command.includes(dir)) continue;
    log(`Stopping the Kafka broker an earlier start left running (pid ${pid})`);
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(file, { force: true });
}

async function provideBrokers(dataDir: string): Promise<{ brokers: string; cluster?: LocalKafkaCluster }> {
  if (process.env.KAFKA_BROKERS) {
    log(`Kafka: using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return { brokers: process.env.KAFKA_BROKERS };
  }
  const port = Number(process.env.KAFKA_PORT ?? '9092');
  if (!Number.isInteger(port) || port < 1 || port > 65534)
    throw new Error(`KAFKA_PORT must be a port number, not '${process.env.KAFKA_PORT}'`);
  const running = runningPlainCluster();
  if (running && (!process.env.KAFKA_PORT || running.nodes.some((n) => n.port === port))) {
    log(`Kafka: using the broker from 'npm run kafka:start' at ${running.bootstrap}`);
    return { brokers: running.bootstrap };
  }
  const dir = path.join(dataDir, 'kafka');
  await stopLeftoverBroker(dir);
  // A fresh broker each start: tools/kafka formats the storage with a new cluster id every time,
  // which Kafka refuses on storage formatted before. The platform's own state (PGlite, keys, the
  // demo sender) stays in SMIS_DATA_DIR.
  rmSync(dir, { recursive: true, force: true });
  const resolving = existsSync(path.join(libDir(), '.complete'))
    ? ''
    : '; first resolves its jars with Maven';
  log(`Kafka: starting a local broker (Apache Kafka jars; data in ${shown(dir)}${resolving})`);
  // Detached: a process group of its own, out of reach of the terminal's Ctrl-C (see above).
  const cluster = await startLocalKafka({ nodes: 1, dir, basePort: port, detached: true, log });
  writeFileSync(brokerPidFile(dir), `${cluster.nodes.map((n) => n.pid()).join('\n')}\n`);
  return { brokers: cluster.bootstrap, cluster };
}

/** Builds the citizen app into dist/apps/citizen-app (the platform serves it under /app/). */
async function buildCitizenApp(track: (build: ChildProcess | undefined) => void): Promise<boolean> {
  const build = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'apps/citizen-app/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  track(build);
  try {
    return await new Promise<boolean>((resolve) => {
      build.once('error', () => resolve(false));
      build.once('exit', (code) => resolve(code === 0));
    });
  } finally {
    track(undefined);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = path.resolve(ROOT, process.env.SMIS_DATA_DIR ?? '.smis');
  let cluster: LocalKafkaCluster | undefined;
  let platform: ChildProcess | undefined;
  let building: ChildProcess | undefined;
  let signalled: NodeJS.Signals | undefined;

  let brokerStopped: Promise<void> | undefined;
  const stopBroker = (): Promise<void> => {
    const running = cluster;
    if (!running) return Promise.resolve();
    brokerStopped ??= (async () => {
      log('Stopping the Kafka broker');
      await running.stop();
      rmSync(brokerPidFile(running.dir), { force: true });
      log('Kafka stopped');
    })();
    return brokerStopped;
  };
  // Last resort (process.exit on any path, an exception): the detached broker must not outlive us.
  process.on('exit', () => {
    for (const node of cluster?.nodes ?? []) {
      const pid = node.pid();
      if (node.isRunning() && pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  });

  const isRunning = (child?: ChildProcess): child is ChildProcess =>
    !!child && child.exitCode === null && child.signalCode === null;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      if (isRunning(platform)) {
        log(`${signal} again: killing the platform`);
        platform.kill('SIGKILL');
      } else if (!cluster) log(`${signal} again: the broker stops as soon as it has started`);
      return;
    }
    signalled = signal;
    const running = isRunning(platform) ? platform : undefined;
    log(
      `${signal}: stopping ${running ? 'the platform' : 'the start-up'}${cluster ? ', then the Kafka broker' : ''}`,
    );
    if (isRunning(building)) building.kill('SIGTERM');
    if (running) {
      // With Ctrl-C the platform got SIGINT from the terminal already; it ignores a second signal.
      running.kill('SIGTERM');
      setTimeout(() => {
        if (!isRunning(running)) return;
        log(`the platform did not stop within ${PLATFORM_GRACE_MS / 1000} s: killing it`);
        running.kill('SIGKILL');
      }, PLATFORM_GRACE_MS).unref();
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  /** Interrupted during start-up: stop what runs and leave. */
  const interrupted = async (): Promise<never> => {
    await stopBroker();
    process.exit(0);
  };

  try {
    const demo = ensureDemoSender(dataDir);
    if (demo.created)
      log(`Registered the demo sender '${demo.sender.senderId}' (keys in ${shown(demo.file)})`);
    const provided = await provideBrokers(dataDir);
    cluster = provided.cluster;
    if (signalled) return await interrupted();
    const appDist = path.join(ROOT, 'dist', 'apps', 'citizen-app');
    if (!existsSync(path.join(appDist, 'index.html'))) {
      log('Building the citizen app (first start only)');
      const built = await buildCitizenApp((build) => (building = build));
      if (signalled) return await interrupted();
      if (!built) log('The citizen app did not build; the platform starts without it');
    }
    const host = process.env.HOST?.trim() || '127.0.0.1';
    const port = Number(process.env.PORT ?? '8080');
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'tools', 'run-ts.cjs'), path.join(ROOT, 'apps', 'platform', 'src', 'main.ts')],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          KAFKA_BROKERS: provided.brokers,
          SMIS_DATA_DIR: dataDir,
          SMIS_STARTED_AT: String(started),
        },
      },
    );
    platform = child;
    const exited = new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        // Killed by the signal that stopped it (Ctrl-C before its handlers were installed) is a stop.
        resolve(code ?? (signalled && signal !== 'SIGKILL' ? 0 : 1)),
      );
    });
    const shownHost = ['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host;
    void announce({
      url: `http://${shownHost}:${port}`,
      dataDir,
      brokers: provided.brokers,
      port,
      started,
      quiet: () => !isRunning(child) || !!signalled,
    });
    const code = await exited;
    if (!signalled) log(`the platform exited (code ${code})`);
    await stopBroker();
    process.exit(code);
  } catch (error) {
    await stopBroker().catch((stopError: Error) => log(`could not stop the broker: ${stopError.message}`));
    // Ctrl-C during start-up also reaches what start-up runs in the foreground (Maven, the storage
    // format, the app build), which then fails: that is a stop, not an error.
    if (signalled) {
      log(`stopped during start-up (${(error as Error).message})`);
      process.exit(0);
    }
    throw error;
  }
}

/** Quotes a value for a POSIX shell when it needs it. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The environment `npm run smis` needs to find this platform, when it is not the CLI's default
 * (the demo sender in ./.smis, the gateway at 127.0.0.1:8080, the broker at 127.0.0.1:9092).
 */
function cliPrefix(options: { dataDir: string; brokers: string; port: number }): string {
  const env: string[] = [];
  if (options.dataDir !== path.join(ROOT, '.smis')) env.push(`SMIS_DATA_DIR=${shellWord(options.dataDir)}`);
  if (options.port !== CLI_DEFAULTS.port) env.push(`PORT=${options.port}`);
  if (options.brokers !== CLI_DEFAULTS.brokers) env.push(`KAFKA_BROKERS=${shellWord(options.brokers)}`);
  return env.map((e) => `${e} `).join('');
}

/** Once the platform answers, prints where everything is and a command to try. */
async function announce(options: {
  url: string;
  dataDir: string;
  brokers: string;
  port: number;
  started: number;
  quiet: () => boolean;
}): Promise<void> {
  const { url, dataDir, started } = options;
  for (;;) {
    if (options.quiet()) return;
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (options.quiet()) return;
  let simulators: Record<string, string> = {};
  try {
    simulators = JSON.parse(readFileSync(path.join(dataDir, 'simulators.json'), 'utf8')) as Record<
      string,
      string
    >;
  } catch {
    /* started without simulators */
  }
  const gateway = new URL(url).hostname === '127.0.0.1' ? '' : ` --gateway ${url}`;
  const lines = [
    '',
    `SMIS is up (${((Date.now() - started) / 1000).toFixed(1)} s). Ctrl-C stops everything.`,
    '',
    `  Citizen app      ${url}/app/`,
    `  Platform API     ${url}   (OpenAPI ${url}/docs, health ${url}/health, metrics ${url}/metrics)`,
    ...Object.entries(simulators).map(([name, where]) => `  ${name.padEnd(16)} ${where}`),
    '',
    'Try it:',
    `  1. Open ${url}/app/ and enrol with the phone number +32 470 00 00 01;`,
    `     the SMS code is in the SMS gateway simulator's messages (link above).`,
    '  2. In another terminal, send a message and watch its statuses:',
    `     ${cliPrefix(options)}npm run smis -- send --to tel:+32470000001 --title "Test result"${gateway} \\`,
    '       --text "nl=Uw test is negatief." --text "fr=Votre test est négatif." --text "en=Your test is negative." \\',
    '       --qr DEMO-PCR-2026 --sms "You have a message from Health demo service" --watch',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: Error) => {
  log(`could not start: ${error.message}`);
  process.exit(1);
});
