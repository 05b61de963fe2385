/**
 * `npm start`: the whole platform on one machine, on embedded defaults.
 *
 * 1. Kafka: KAFKA_BROKERS if set; else a broker already started by `npm run kafka:start`;
 *    else a local broker from Apache Kafka's jars, kept in `.smis/kafka` between starts.
 * 2. The platform process (apps/platform), with KAFKA_BROKERS set for it.
 * Ctrl-C or SIGTERM stops the platform first, then the broker this script started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runningPlainCluster, startLocalKafka, type LocalKafkaCluster } from '@smis/kafka-local';
import { ensureDemoSender } from './demo-sender';

const ROOT = path.resolve(__dirname, '..', '..');
const log = (line: string): void => console.error(`[smis] ${line}`);

async function provideBrokers(): Promise<{ brokers: string; cluster?: LocalKafkaCluster }> {
  if (process.env.KAFKA_BROKERS) {
    log(`Kafka: using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return { brokers: process.env.KAFKA_BROKERS };
  }
  const running = runningPlainCluster();
  if (running) {
    log(`Kafka: using the broker from 'npm run kafka:start' at ${running.bootstrap}`);
    return { brokers: running.bootstrap };
  }
  const dir = path.join(ROOT, '.smis', 'kafka');
  log(
    `Kafka: starting a local broker (Apache Kafka jars; data in ${path.relative(ROOT, dir)}${existsSync(dir) ? '' : ', first start resolves the jars with Maven'})`,
  );
  const cluster = await startLocalKafka({
    nodes: 1,
    dir,
    basePort: Number(process.env.KAFKA_PORT ?? '9092'),
    log,
  });
  return { brokers: cluster.bootstrap, cluster };
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = path.resolve(ROOT, process.env.SMIS_DATA_DIR ?? '.smis');
  const demo = ensureDemoSender(dataDir);
  if (demo.created)
    log(`Registered the demo sender '${demo.sender.senderId}' (keys in ${path.relative(ROOT, demo.file)})`);
  const { brokers, cluster } = await provideBrokers();
  const appDist = path.join(ROOT, 'dist', 'apps', 'citizen-app');
  if (!existsSync(path.join(appDist, 'index.html'))) {
    log('Building the citizen app (first start only)');
    const build = spawnSync(
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
    if (build.status !== 0) log('The citizen app did not build; the platform starts without it');
  }
  const port = Number(process.env.PORT ?? '8080');
  const platform = spawn(
    process.execPath,
    [path.join(ROOT, 'tools', 'run-ts.cjs'), path.join(ROOT, 'apps', 'platform', 'src', 'main.ts')],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers,
        SMIS_DATA_DIR: dataDir,
        SMIS_STARTED_AT: String(started),
      },
    },
  );
  void announce(`http://127.0.0.1:${port}`, dataDir, started, () => platform.exitCode !== null);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the platform${cluster ? ' and the broker' : ''}`);
    platform.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code = await new Promise<number>((resolve) =>
    platform.on('exit', (c, s) => resolve(c ?? (s === 'SIGTERM' ? 0 : 1))),
  );
  if (cluster) {
    await cluster.stop();
    log('Kafka stopped');
  }
  process.exit(code);
}

/** Once the platform answers, prints where everything is and a command to try. */
async function announce(url: string, dataDir: string, started: number, exited: () => boolean): Promise<void> {
  for (;;) {
    if (exited()) return;
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  let simulators: Record<string, string> = {};
  try {
    simulators = JSON.parse(readFileSync(path.join(dataDir, 'simulators.json'), 'utf8')) as Record<
      string,
      string
    >;
  } catch {
    /* started without simulators */
  }
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
    '     npm run smis -- send --to tel:+32470000001 --title "Test result" \\',
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
