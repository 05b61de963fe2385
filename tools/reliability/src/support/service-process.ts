/**
 * One platform service in a child process, started exactly as `npm start` starts the platform
 * (`node tools/run-ts.cjs apps/platform/src/main.ts`) with SMIS_SERVICES naming what it hosts and
 * a port chosen by the test, so it can be SIGKILLed and started again at the same address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const READY_LINE = 'SMIS platform listening on';

/** Every child still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** A free TCP port on the host (released before it is returned: the child binds it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcessOptions {
  /** A short name for messages and the log file (e.g. `router`). */
  name: string;
  /** SMIS_SERVICES of the child, e.g. `router,identity`. */
  services: string;
  port: number;
  /** The whole environment of the child (PORT and SMIS_SERVICES are set on top). */
  env: NodeJS.ProcessEnv;
  /** Where the child's stdout and stderr are appended (kept for diagnosis). */
  logFile: string;
  /** How long a start may take before it is a failure (default 180 s: 2 loaded cores). */
  startTimeoutMs?: number;
  /** Node options before the entry point (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

export class ServiceProcess {
  readonly name: string;
  readonly url: string;
  /** How many times the process was started. */
  starts = 0;
  /** Milliseconds each start took, spawn to "listening". */
  readonly startDurationsMs: number[] = [];
  private child?: ChildProcess;
  private log?: WriteStream;

  constructor(private readonly options: ServiceProcessOptions) {
    this.name = options.name;
    this.url = `http://127.0.0.1:${options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the child; resolves once its HTTP server listens (every module started). */
  async start(): Promise<void> {
    if (this.alive) throw new Error(`${this.name} is already running (pid ${this.child?.pid})`);
    installExitHook();
    this.log ??= createWriteStream(this.options.logFile, { flags: 'a' });
    this.log.write(`\n=== start ${this.starts + 1} of ${this.name} at ${new Date().toISOString()} ===\n`);
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        ...(this.options.nodeArgs ?? []),
        path.join(ROOT, 'tools/run-ts.cjs'),
        path.join(ROOT, 'apps/platform/src/main.ts'),
      ],
      {
        cwd: ROOT,
        env: {
          ...this.options.env,
          PORT: String(this.options.port),
          SMIS_SERVICES: this.options.services,
          KAFKA_CLIENT_ID: `reliability-${this.name}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.starts++;
    running.add(child);
    child.once('exit', () => running.delete(child));
    const log = this.log;
    child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
    await new Promise<void>((resolve, reject) => {
      let pending = '';
      let listening = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(`${this.name} did not listen within ${this.timeoutMs} ms (log: ${this.options.logFile})`),
        );
      }, this.timeoutMs);
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(timer);
        reject(
          new Error(
            `${this.name} exited (${code ?? signal}) before it listened (log: ${this.options.logFile})`,
          ),
        );
      };
      child.once('exit', onExit);
      child.stdout?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (listening) return;
        pending += chunk.toString('utf8');
        if (pending.includes(READY_LINE)) {
          listening = true;
          pending = '';
          clearTimeout(timer);
          child.off('exit', onExit);
          this.startDurationsMs.push(Date.now() - started);
          resolve();
        } else if (pending.length > 64 * 1024) {
          pending = pending.slice(-1024);
        }
      });
    });
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. Resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** SIGTERM (the platform closes its modules), SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (child && this.alive) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    await new Promise<void>((resolve) => (this.log ? this.log.end(() => resolve()) : resolve()));
    this.log = undefined;
  }

  private get timeoutMs(): number {
    return this.options.startTimeoutMs ?? 180_000;
  }
}
