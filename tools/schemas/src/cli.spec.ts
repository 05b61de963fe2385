import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './format';

const run = (script: string, ...args: string[]) =>
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'tools/run-ts.cjs'), join(REPO_ROOT, 'tools/schemas', script), ...args],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );

describe('command lines', () => {
  it('check.ts passes on the repository', () => {
    expect(run('check.ts')).toMatch(/schemas: \d+ records, .* generated files up to date\./);
  });

  it('generate.ts --check and asyncapi.ts --check find nothing to write', () => {
    expect(run('generate.ts', '--check')).toMatch(/up to date/);
    expect(run('asyncapi.ts', '--check')).toMatch(/up to date/);
  });
});
