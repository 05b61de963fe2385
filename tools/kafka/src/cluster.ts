import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureKafkaJars, KafkaToolError } from './jars';
import { freePort, isPortOpen } from './ports';
import { log4jProperties, serverProperties, type ClusterLayout, type NodeLayout } from './properties';

export interface LocalKafkaOptions {
  /** 1 (default) or 3 nodes, each broker and controller. */
  nodes?: number;
  /** SASL/SCRAM-SHA-512 with the StandardAuthorizer and ACLs. */
  sasl?: boolean;
  /** Where data, configs and logs go; default: a new temporary directory. */
  dir?: string;
  /** First client port; nodes use base, base+2, ... and controllers base+1, base+3, ... Default: free ports. */
  basePort?: number;
  /** Detach the JVMs so they outlive this process (the CLI); default false: they die with it. */
  detached?: boolean;
  /** Heap per node (default 512m). */
  heap?: string;
  log?: (line: string) => void;
}

export interface LocalKafkaNode {
  readonly id: number;
  readonly port: number;
  readonly logFile: string;
  pid(): number | undefined;
  isRunning(): boolean;
  /** Starts the node again with its existing data (no re-format). */
  start(): Promise<void>;
  /** SIGKILL (a crash) by default; resolves when the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Clean shutdown: SIGTERM, SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>;
}

export interface LocalKafkaCluster {
  readonly dir: string;
  readonly brokers: string[];
  /** Comma-separated bootstrap servers. */
  readonly bootstrap: string;
  readonly nodes: LocalKafkaNode[];
  /** SCRAM super user (SASL mode only). */
  readonly admin?: { mechanism: 'scram-sha-512'; username: string; password: string };
  stop(): Promise<void>;
}

/** What the CLI records so `stop`/`status` can find a detached cluster later. */
export interface ClusterState {
  dir: string;
  bootstrap: string;
  sasl: boolean;
  nodes: { id: number; port: number; pid: number; logFile: string }[];
  admin?: { username: string; password: string };
  startedAt: string;
}

const READY_LINE = 'Kafka Server started';

class JvmNode implements LocalKafkaNode {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly logDir: string;
  readonly logFile: string;

  constructor(
    private readonly layout: NodeLayout,
    private readonly nodeDir: string,
    private readonly classpath: string,
    private readonly options: Required<Pick<LocalKafkaOptions, 'detached' | 'heap'>>,
  ) {
    this.logDir = path.join(nodeDir, 'logs');
    this.logFile = path.join(this.logDir, 'server.log');
  }

  get id(): number {
    return this.layout.id;
  }
  get port(): number {
    return this.layout.port;
  }
  get propertiesFile(): string {
    return path.join(this.nodeDir, 'server.properties');
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  isRunning(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    mkdirSync(this.logDir, { recursive: true });
    const offset = existsSync(this.logFile) ? readFileSync(this.logFile).length : 0;
    const stdio = openSync(path.join(this.logDir, 'stdout.log'), 'a');
    const child = spawn(
      'java',
      [
        `-Xms128m`,
        `-Xmx${this.options.heap}`,
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${path.join(this.nodeDir, 'log4j2.properties')}`,
        `-Dkafka.logs.dir=${this.logDir}`,
        '-cp',
        this.classpath,
        'kafka.Kafka',
        this.propertiesFile,
      ],
      { stdio: ['ignore', stdio, stdio], detached: this.options.detached },
    );
    closeSync(stdio);
    if (this.options.detached) child.unref();
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await this.waitReady(offset);
  }

  private async waitReady(logOffset: number): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (!this.isRunning()) {
        throw new KafkaToolError(
          `Kafka node ${this.id} exited during start-up (code ${this.child?.exitCode}). See ${this.logFile} and ${path.join(this.logDir, 'stdout.log')}`,
        );
      }
      const text = existsSync(this.logFile)
        ? readFileSync(this.logFile).subarray(logOffset).toString('utf8')
        : '';
      if (text.includes(READY_LINE) && (await isPortOpen(this.port))) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.kill();
    throw new KafkaToolError(`Kafka node ${this.id} did not become ready within 120 s. See ${this.logFile}`);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.isRunning()) return;
    this.child?.kill(signal);
    await this.exited;
  }

  async stop(graceMs = 30_000): Promise<void> {
    if (!this.isRunning()) return;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Kafka's cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid prints). */
function clusterId(): string {
  // Kafka's own Uuid.randomUuid() never starts with '-', which command lines would take for an option.
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function format(classpath: string, node: JvmNode, id: string, adminPassword?: string): Promise<void> {
  const args = [
    '-cp',
    classpath,
    'kafka.tools.StorageTool',
    'format',
    `--cluster-id=${id}`,
    '-c',
    node.propertiesFile,
    '--ignore-formatted',
  ];
  if (adminPassword) args.push('--add-scram', `SCRAM-SHA-512=[name=admin,password=${adminPassword}]`);
  const child = spawn('java', ['-Xmx256m', '-Dlog4j2.level=WARN', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0)
    throw new KafkaToolError(`Formatting storage of node ${node.id} failed: ${output.trim().slice(-1500)}`);
}

async function assignPorts(
  count: number,
  basePort?: number,
): Promise<{ port: number; controllerPort: number }[]> {
  const result: { port: number; controllerPort: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (basePort) {
      result.push({ port: basePort + 2 * i, controllerPort: basePort + 2 * i + 1 });
    } else {
      result.push({ port: await freePort(), controllerPort: await freePort() });
    }
  }
  for (const { port, controllerPort } of result) {
    for (const p of [port, controllerPort]) {
      if (await isPortOpen(p)) {
        throw new KafkaToolError(
          `Port ${p} is already in use. Stop what listens there (npm run kafka:stop?) or set KAFKA_PORT.`,
        );
      }
    }
  }
  return result;
}

/**
 * Starts a real Apache Kafka cluster in KRaft mode from the jars in tools/kafka/.cache:
 * formats storage, starts every node and resolves when each accepts connections.
 */
export async function startLocalKafka(options: LocalKafkaOptions = {}): Promise<LocalKafkaCluster> {
  const log = options.log ?? (() => undefined);
  const count = options.nodes ?? 1;
  if (count < 1 || count > 9) throw new KafkaToolError(`KAFKA_NODES must be between 1 and 9, not ${count}`);
  const lib = await ensureKafkaJars(log);
  const classpath = `${lib}/*`;
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'smis-kafka-')));
  mkdirSync(dir, { recursive: true });
  const ports = await assignPorts(count, options.basePort);
  const adminPassword = options.sasl ? randomBytes(18).toString('base64url') : undefined;
  const layout: ClusterLayout = {
    nodes: ports.map((p, i) => ({ id: i + 1, ...p, dataDir: path.join(dir, `node-${i + 1}`, 'data') })),
    sasl: adminPassword ? { adminPassword } : undefined,
  };
  const nodes = layout.nodes.map((n) => {
    const nodeDir = path.join(dir, `node-${n.id}`);
    mkdirSync(path.join(nodeDir, 'logs'), { recursive: true });
    writeFileSync(path.join(nodeDir, 'server.properties'), serverProperties(layout, n), { mode: 0o600 });
    writeFileSync(
      path.join(nodeDir, 'log4j2.properties'),
      log4jProperties(path.join(nodeDir, 'logs', 'server.log')),
    );
    return new JvmNode(n, nodeDir, classpath, {
      detached: options.detached ?? false,
      heap: options.heap ?? '512m',
    });
  });
  const id = clusterId();
  log(`Formatting ${count} KRaft node(s) in ${dir}`);
  await Promise.all(nodes.map((n) => format(classpath, n, id, adminPassword)));
  log(`Starting ${count} node(s)${adminPassword ? ' with SASL/SCRAM-SHA-512 and ACLs' : ''}`);
  const stopAll = async (): Promise<void> => void (await Promise.all(nodes.map((n) => n.stop())));
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (error) {
    await stopAll();
    throw error;
  }
  if (!options.detached) {
    // Never leave a broker behind when the owning process exits.
    process.once('exit', () =>
      nodes.forEach((n) => n.isRunning() && process.kill(n.pid() as number, 'SIGKILL')),
    );
  }
  const brokers = layout.nodes.map((n) => `127.0.0.1:${n.port}`);
  return {
    dir,
    brokers,
    bootstrap: brokers.join(','),
    nodes,
    admin: adminPassword
      ? { mechanism: 'scram-sha-512', username: 'admin', password: adminPassword }
      : undefined,
    stop: stopAll,
  };
}
