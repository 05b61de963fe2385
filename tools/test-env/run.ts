/**
 * `npm test`: provides one real Kafka broker for the whole run (KAFKA_BROKERS, Testcontainers or
 * tools/kafka), then runs the given command (nx run-many -t test) with KAFKA_BROKERS set, so
 * every project's global setup reuses that broker instead of starting its own.
 */
import { spawn } from 'node:child_process';
// Not the package root: it exports vitest helpers, which only load inside vitest.
import { provideKafka } from '@smis/testing/kafka';

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: run.ts <command> [args...]');
    process.exit(2);
  }
  const log = (line: string): void => console.error(`[test-env] ${line}`);
  const kafka = await provideKafka(log);
  log(`KAFKA_BROKERS=${kafka.brokers}`);
  const child = spawn(command === 'nx' ? 'npx' : command, command === 'nx' ? ['nx', ...args] : args, {
    stdio: ['inherit', 'pipe', 'inherit'],
    env: { ...process.env, KAFKA_BROKERS: kafka.brokers, NX_DAEMON: process.env.NX_DAEMON ?? 'false' },
  });
  const totals = countTests(child.stdout);
  const stopChild = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', stopChild);
  process.on('SIGTERM', stopChild);
  const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  await kafka.stop();
  // One closing line over every project's vitest summary, for people and CI alike.
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  process.exit(code);
}

/** Forwards the output and adds up vitest's "Tests  N failed | M passed" summaries. */
function countTests(stream: NodeJS.ReadableStream): { passed: number; failed: number } {
  const totals = { passed: 0, failed: 0 };
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      // eslint-disable-next-line no-control-regex
      const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
      const summary = /^\S*:?\s*Tests\s+(.*)$/.exec(plain.trim());
      if (!summary) continue;
      totals.failed += Number(/(\d+) failed/.exec(summary[1])?.[1] ?? 0);
      totals.passed += Number(/(\d+) passed/.exec(summary[1])?.[1] ?? 0);
    }
  });
  return totals;
}

main().catch((error: Error) => {
  console.error(`[test-env] ${error.message}`);
  process.exit(1);
});
