/**
 * Measurement harness shared by the benches: warm-up, then N timed runs of a fixed duration,
 * reporting the median (and min/max) throughput. Machine facts and load are recorded with the
 * numbers because the machines are small (2 cores) and may be shared.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Method {
  readonly warmupMs: number;
  readonly runMs: number;
  readonly runs: number;
}

export const DEFAULT_METHOD: Method = { warmupMs: 1500, runMs: 1500, runs: 5 };
export const QUICK_METHOD: Method = { warmupMs: 200, runMs: 300, runs: 3 };

export interface Measurement {
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
  /** Median CPU time of this process (all threads) per wall-clock time: cores actually used. */
  readonly coresUsed: number;
  readonly note?: string;
}

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  /** Node/V8 flags of this run, e.g. --no-liftoff (wasm compiled by the optimizing tier up front). */
  readonly nodeFlags: readonly string[];
  readonly platform: string;
  readonly loadAverage1mBefore: number;
}

export interface BenchContext {
  readonly method: Method;
  /** False for measurements excluded by `--only <text>` (matched against the measurement name). */
  include(measurementName: string): boolean;
  /** Prints a progress line to stderr, so stdout stays the result table. */
  log(line: string): void;
}

export interface Bench {
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<BenchReport>;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface BenchReport {
  readonly measurements: readonly Measurement[];
  readonly targets: readonly TargetCheck[];
  /** Anything the reader needs to interpret the numbers. */
  readonly notes?: readonly string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Run {
  readonly throughput: number;
  readonly coresUsed: number;
}

function summarize(name: string, runs: readonly Run[], unit: string, note?: string): Measurement {
  const throughput = runs.map((r) => r.throughput);
  return {
    name,
    unit,
    median: median(throughput),
    min: Math.min(...throughput),
    max: Math.max(...throughput),
    runs: throughput,
    coresUsed: Number(median(runs.map((r) => r.coresUsed)).toFixed(2)),
    note,
  };
}

/** Cores used between `startCpu` and now (CPU time of all threads / wall time). */
function coresSince(startCpu: NodeJS.CpuUsage, elapsedMs: number): number {
  const cpu = process.cpuUsage(startCpu);
  return (cpu.user + cpu.system) / 1000 / elapsedMs;
}

/**
 * Throughput of a synchronous operation: `op` returns how many items it processed (1 for a
 * single operation, the batch size for a batch).
 */
export function measureSync(name: string, method: Method, op: () => number, note?: string): Measurement {
  const runFor = (ms: number): Run => {
    let items = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      items += op();
      elapsed = performance.now() - start;
    }
    return { throughput: (items * 1000) / elapsed, coresUsed: coresSince(cpu, elapsed) };
  };
  runFor(method.warmupMs);
  const runs: Run[] = [];
  for (let i = 0; i < method.runs; i++) runs.push(runFor(method.runMs));
  return summarize(name, runs, 'ops/s', note);
}

/** Throughput of an asynchronous operation kept `concurrency` deep in flight. */
export async function measureAsync(
  name: string,
  method: Method,
  op: () => Promise<number>,
  concurrency: number,
  note?: string,
): Promise<Measurement> {
  const runFor = async (ms: number): Promise<Run> => {
    let items = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    const lane = async () => {
      while (performance.now() - start < ms) {
        // Not `items += await op()`: that reads `items` before the await and loses the other
        // lanes' updates.
        const done = await op();
        items += done;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const elapsed = performance.now() - start;
    return { throughput: (items * 1000) / elapsed, coresUsed: coresSince(cpu, elapsed) };
  };
  await runFor(method.warmupMs);
  const runs: Run[] = [];
  for (let i = 0; i < method.runs; i++) runs.push(await runFor(method.runMs));
  return summarize(name, runs, 'ops/s', note);
}

export function describeMachine(): Machine {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    nodeFlags: process.execArgv,
    platform: `${process.platform}-${process.arch}`,
    loadAverage1mBefore: Number(loadavg()[0].toFixed(2)),
  };
}

const formatNumber = (n: number): string => Math.round(n).toLocaleString('en-US');

export function formatTable(measurements: readonly Measurement[]): string {
  const rows = measurements.map((m) => [
    m.name,
    formatNumber(m.median),
    `${formatNumber(m.min)} – ${formatNumber(m.max)}`,
    m.coresUsed.toFixed(2),
    m.note ?? '',
  ]);
  const header = ['measurement', 'median ops/s', 'min – max', 'cores used', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function writeResults(root: string, bench: string, content: object): string {
  const dir = join(root, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${bench}.json`);
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}
