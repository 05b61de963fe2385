/** Finds benches by name: every `benches/<name>.ts` exporting `bench`. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_METHOD, QUICK_METHOD, type Bench, type Method } from './harness';

const BENCH_DIR = join(__dirname, 'benches');

export function availableBenches(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export async function loadBench(name: string): Promise<Bench> {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !existsSync(join(BENCH_DIR, `${name}.ts`))) {
    throw new Error(`unknown bench "${name}"; available: ${availableBenches().join(', ')}`);
  }
  const mod = (await import(join(BENCH_DIR, name))) as { bench?: Bench };
  if (!mod.bench) throw new Error(`benches/${name}.ts does not export "bench"`);
  return mod.bench;
}

export function parseMethod(args: string[]): Method {
  let method = args.includes('--quick') ? QUICK_METHOD : DEFAULT_METHOD;
  for (const [flag, key] of [
    ['--runs', 'runs'],
    ['--run-ms', 'runMs'],
    ['--warmup-ms', 'warmupMs'],
  ] as const) {
    const at = args.indexOf(flag);
    if (at >= 0) {
      const value = Number(args[at + 1]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a positive integer`);
      method = { ...method, [key]: value };
    }
  }
  return method;
}

/** The `--only <text>` filter: a measurement runs when its name contains the text. */
export function parseOnly(args: string[]): (measurementName: string) => boolean {
  const at = args.indexOf('--only');
  if (at < 0) return () => true;
  const text = args[at + 1];
  if (!text) throw new Error('--only needs a text to match measurement names');
  return (name) => name.includes(text);
}
