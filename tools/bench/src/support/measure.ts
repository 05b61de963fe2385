/** Small measuring helpers shared by the platform benches. */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** The value of `--name <value>` on the command line, as a positive number. */
export function numberFlag(name: string, fallback: number, argv: readonly string[] = process.argv): number {
  const at = argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

/** `--name VALUE`, or undefined without the flag. */
export function stringFlag(name: string, argv: readonly string[] = process.argv): string | undefined {
  const at = argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

export function booleanFlag(name: string, argv: readonly string[] = process.argv): boolean {
  return argv.includes(`--${name}`);
}

/** The q-quantile (0..1) of unsorted values, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: values.length,
    p50: round(quantile(values, 0.5)),
    p90: round(quantile(values, 0.9)),
    p99: round(quantile(values, 0.99)),
    max: round(values.length ? Math.max(...values) : Number.NaN),
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined elsewhere. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 (1-based) of the whole line; 12 and 13 after the name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of each process named `postgres` on this machine (empty where /proc is not). */
export function postgresCpuSeconds(): Map<number, number> {
  const result = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return result;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const seconds = processCpuSeconds(Number(pid));
      if (seconds !== undefined) result.set(Number(pid), seconds);
    } catch {
      // gone meanwhile
    }
  }
  return result;
}

/** CPU used by this process and, when given, another (the broker), over a stretch of wall time. */
export class CpuMeter {
  private readonly start = performance.now();
  private readonly own = process.cpuUsage();
  private readonly otherStart: number | undefined;
  private readonly platformStart: number | undefined;

  private readonly platformPids: readonly (number | undefined)[];
  private readonly databaseStart = postgresCpuSeconds();

  /** `otherPid`: the broker JVM; `platformPid`: platform child processes, summed (both optional). */
  constructor(
    private readonly otherPid?: number,
    platformPid?: number | readonly (number | undefined)[],
  ) {
    this.platformPids = Array.isArray(platformPid)
      ? platformPid
      : platformPid === undefined
        ? []
        : [platformPid];
    this.otherStart = processCpuSeconds(otherPid);
    this.platformStart = this.platformSeconds();
  }

  /** Every `postgres` process of this machine (backends that exited meanwhile are not counted). */
  private databaseCores(wallS: number): number | undefined {
    const end = postgresCpuSeconds();
    if (end.size === 0) return undefined;
    let seconds = 0;
    for (const [pid, cpu] of end) seconds += cpu - (this.databaseStart.get(pid) ?? 0);
    return Number((seconds / wallS).toFixed(2));
  }

  /** Undefined without a platform process (every service in this process) or when one is gone. */
  private platformSeconds(): number | undefined {
    const each = this.platformPids.map(processCpuSeconds);
    if (each.length === 0 || each.some((s) => s === undefined)) return undefined;
    return each.reduce<number>((a, b) => a + (b ?? 0), 0);
  }

  read(): {
    wallS: number;
    cores: number;
    otherCores?: number;
    platformCores?: number;
    databaseCores?: number;
  } {
    const wallS = (performance.now() - this.start) / 1000;
    const cpu = process.cpuUsage(this.own);
    const coresOf = (start: number | undefined, end: number | undefined) => {
      return end !== undefined && start !== undefined
        ? Number(((end - start) / wallS).toFixed(2))
        : undefined;
    };
    return {
      wallS,
      cores: Number(((cpu.user + cpu.system) / 1e6 / wallS).toFixed(2)),
      otherCores: coresOf(this.otherStart, processCpuSeconds(this.otherPid)),
      platformCores: coresOf(this.platformStart, this.platformSeconds()),
      databaseCores: this.databaseCores(wallS),
    };
  }
}

/** Samples the 1-minute load average every few seconds until stopped. */
export function sampleLoad(everyMs = 5_000): { stop(): number[] } {
  const samples = [Number(loadavg()[0].toFixed(2))];
  const timer = setInterval(() => samples.push(Number(loadavg()[0].toFixed(2))), everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      samples.push(Number(loadavg()[0].toFixed(2)));
      return samples;
    },
  };
}

export const formatRate = (n: number): string => Math.round(n).toLocaleString('en-US');
