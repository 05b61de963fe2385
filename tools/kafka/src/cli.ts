/**
 * npm run kafka:start | kafka:stop | kafka:status
 *
 * A real Apache Kafka broker (KRaft) from Apache Kafka's own jars, resolved with Maven.
 *   KAFKA_NODES=3    three nodes on one host (fault tests)
 *   KAFKA_SASL=1     SASL/SCRAM-SHA-512, StandardAuthorizer, ACLs (security tests)
 *   KAFKA_PORT=9092  first client port (controllers and further nodes use the next ones)
 *   KAFKA_RUNTIME=compose   use deploy/compose/kafka.yml with Docker instead of the jars
 *   KAFKA_BROKERS    set: an existing cluster is used and nothing is started
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalKafka, type ClusterState } from './cluster';
import { KAFKA_TOOL_DIR, kafkaVersion } from './jars';
import { isPortOpen } from './ports';
import { isAlive as alive, readClusterStates as readStates, RUN_DIR } from './state';

function mode(): { name: string; nodes: number; sasl: boolean } {
  const nodes = Number(process.env.KAFKA_NODES ?? '1');
  if (!Number.isInteger(nodes) || nodes < 1)
    throw new Error(`KAFKA_NODES must be a positive integer, not '${process.env.KAFKA_NODES}'`);
  const sasl = ['1', 'true', 'yes'].includes((process.env.KAFKA_SASL ?? '').toLowerCase());
  return { name: `${nodes}-node${sasl ? '-sasl' : ''}`, nodes, sasl };
}

function printBrokers(state: Pick<ClusterState, 'bootstrap' | 'sasl' | 'admin'>, file?: string): void {
  console.log(`KAFKA_BROKERS=${state.bootstrap}`);
  if (state.sasl && file) {
    console.log(`KAFKA_SASL_MECHANISM=scram-sha-512`);
    console.log(`KAFKA_SASL_USERNAME=${state.admin?.username ?? 'admin'}`);
    console.log(`# the admin password is in ${file} (field admin.password)`);
  }
}

async function start(): Promise<void> {
  if (process.env.KAFKA_BROKERS) {
    console.error('KAFKA_BROKERS is set: using that cluster, nothing started.');
    console.log(`KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return;
  }
  if (process.env.KAFKA_RUNTIME === 'compose') return composeStart();
  const m = mode();
  const dir = path.join(RUN_DIR, m.name);
  const stateFile = path.join(dir, 'state.json');
  const existing = readStates().find((s) => s.file === stateFile);
  if (existing && existing.state.nodes.every((n) => alive(n.pid))) {
    console.error(`Kafka (${m.name}) is already running.`);
    printBrokers(existing.state, stateFile);
    return;
  }
  if (existing) existing.state.nodes.forEach((n) => alive(n.pid) && process.kill(n.pid, 'SIGKILL'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const basePort = Number(process.env.KAFKA_PORT ?? '9092');
  const started = Date.now();
  const cluster = await startLocalKafka({
    nodes: m.nodes,
    sasl: m.sasl,
    dir,
    basePort,
    detached: true,
    log: (line) => console.error(line),
  });
  const state: ClusterState = {
    dir,
    bootstrap: cluster.bootstrap,
    sasl: m.sasl,
    nodes: cluster.nodes.map((n) => ({ id: n.id, port: n.port, pid: n.pid() as number, logFile: n.logFile })),
    admin: cluster.admin ? { username: cluster.admin.username, password: cluster.admin.password } : undefined,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
  console.error(
    `Apache Kafka ${kafkaVersion()} (${m.name}) ready in ${((Date.now() - started) / 1000).toFixed(1)} s; logs: ${cluster.nodes.map((n) => n.logFile).join(', ')}`,
  );
  printBrokers(state, stateFile);
}

async function stopPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(): Promise<void> {
  if (process.env.KAFKA_RUNTIME === 'compose') return composeStop();
  // With KAFKA_NODES or KAFKA_SASL set, only that mode's cluster is stopped; otherwise every one.
  const only =
    process.env.KAFKA_NODES || process.env.KAFKA_SASL
      ? path.join(RUN_DIR, mode().name, 'state.json')
      : undefined;
  const states = readStates().filter((s) => !only || s.file === only);
  if (states.length === 0) {
    console.error('No local Kafka started by tools/kafka is running.');
    return;
  }
  for (const { file, state } of states) {
    await Promise.all(state.nodes.map((n) => stopPid(n.pid)));
    rmSync(file, { force: true });
    console.error(`Stopped Kafka at ${state.bootstrap}`);
  }
}

async function status(): Promise<void> {
  const states = readStates();
  let running = 0;
  for (const { file, state } of states) {
    const up = await Promise.all(state.nodes.map(async (n) => alive(n.pid) && (await isPortOpen(n.port))));
    const summary = up.map((u, i) => `node ${state.nodes[i].id}: ${u ? 'up' : 'down'}`).join(', ');
    console.error(`${path.basename(path.dirname(file))}: ${summary}`);
    if (up.some(Boolean)) {
      running++;
      printBrokers(state, file);
    }
  }
  if (running === 0) {
    console.error('No local Kafka is running (npm run kafka:start).');
    process.exitCode = 3;
  }
}

const COMPOSE_FILE = path.resolve(KAFKA_TOOL_DIR, '..', '..', 'deploy', 'compose', 'kafka.yml');

function composeStart(): void {
  execFileSync('docker', ['compose', '-f', COMPOSE_FILE, 'up', '-d', '--wait'], { stdio: 'inherit' });
  console.log('KAFKA_BROKERS=127.0.0.1:9092');
}

function composeStop(): void {
  execFileSync('docker', ['compose', '-f', COMPOSE_FILE, 'down', '-v'], { stdio: 'inherit' });
}

const commands: Record<string, () => Promise<void> | void> = { start, stop, status };
const name = process.argv[2] ?? '';
const command = commands[name];
if (!command) {
  console.error(
    'usage: kafka <start|stop|status>   (env: KAFKA_NODES, KAFKA_SASL, KAFKA_PORT, KAFKA_RUNTIME, KAFKA_BROKERS)',
  );
  process.exit(2);
}
Promise.resolve(command()).catch((error: Error) => {
  console.error(`kafka ${name}: ${error.message}`);
  process.exit(1);
});
