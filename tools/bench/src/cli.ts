/**
 * Benchmark runner: `node tools/run-ts.cjs tools/bench/src/cli.ts <name> [--quick]`
 * (wired as `npm run bench -- <name>`). Each bench is a file `benches/<name>.ts` exporting
 * `bench: Bench`; adding a file adds a bench. Prints a table, writes bench-results/<name>.json.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { describeMachine, formatTable, writeResults } from './harness';
import { availableBenches, loadBench, parseMethod, parseOnly } from './registry';

const ROOT = resolve(__dirname, '..', '..', '..');

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (!name || name === '--help') {
    console.log(
      `usage: bench <name> [--quick] [--runs N] [--run-ms MS] [--warmup-ms MS] [--only <text>]\nbenches: ${availableBenches().join(', ')}`,
    );
    return;
  }
  const bench = await loadBench(name);
  const method = parseMethod(args);
  const machine = describeMachine();
  console.error(`${bench.name}: ${bench.description}`);
  console.error(
    `machine: ${machine.cpuModel}, ${machine.cores} cores, node ${machine.node} ${machine.nodeFlags.join(' ')}, load ${machine.loadAverage1mBefore}`,
  );
  console.error(
    `method: warm-up ${method.warmupMs} ms, then median of ${method.runs} runs of ${method.runMs} ms`,
  );
  const report = await bench.run({ method, include: parseOnly(args), log: (line) => console.error(line) });
  const loadAfter = Number(loadavg()[0].toFixed(2));
  console.log(formatTable(report.measurements));
  for (const t of report.targets) console.log(`${t.met ? 'MET ' : 'MISS'} ${t.target}: ${t.measured}`);
  for (const n of report.notes ?? []) console.log(`note: ${n}`);
  const file = writeResults(ROOT, name, {
    bench: name,
    description: bench.description,
    date: new Date().toISOString(),
    machine: { ...machine, loadAverage1mAfter: loadAfter },
    method,
    ...report,
  });
  console.error(`wrote ${file}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
