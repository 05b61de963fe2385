import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every module reachable from `entry` through relative imports, with its external imports. */
function importClosure(entry: string): { files: string[]; externals: Set<string> } {
  const files: string[] = [];
  const externals = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.includes(file)) continue;
    files.push(file);
    const source = readFileSync(join(__dirname, `${file}.ts`), 'utf8');
    for (const match of source.matchAll(
      /(?:import|export)\s[^'"]*?from\s+'([^']+)'|require\('([^']+)'\)|import\('([^']+)'\)/g,
    )) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith('./')) pending.push(specifier.slice(2));
      else externals.add(specifier);
    }
  }
  return { files, externals };
}

describe('browser safety', () => {
  it.each(['tweetnacl-envelope-crypto', 'browser'])(
    '%s imports only tweetnacl and pure modules of this library',
    (entry) => {
      const { files, externals } = importClosure(entry);
      expect([...externals]).toEqual(['tweetnacl']);
      for (const file of files) {
        const code = readFileSync(join(__dirname, `${file}.ts`), 'utf8').replace(
          /\/\*[\s\S]*?\*\/|\/\/.*$/gm,
          '',
        );
        expect(code, file).not.toMatch(/\bBuffer\b|\bprocess\.|__dirname|node:/);
      }
    },
  );
});
