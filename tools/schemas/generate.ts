// Usage: node tools/run-ts.cjs tools/schemas/generate.ts [--check]
// Writes libs/contracts/src/generated/{schemas,records}.ts from schemas/*/v*.avsc;
// with --check, writes nothing and exits 1 if they are out of date.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './src/format';
import { formatViolation, loadSchemaFiles } from './src/schema-files';
import { generateTypeScript } from './src/typescript';

async function main(check: boolean): Promise<number> {
  const { files, violations } = loadSchemaFiles(REPO_ROOT);
  if (violations.length > 0) {
    violations.forEach((v) => console.error(formatViolation(v)));
    return 1;
  }
  let stale = 0;
  for (const { path, content } of await generateTypeScript(files)) {
    const target = join(REPO_ROOT, path);
    if ((existsSync(target) ? readFileSync(target, 'utf8') : undefined) === content) continue;
    stale++;
    if (check) {
      console.error(`${path} is out of date: run node tools/run-ts.cjs tools/schemas/generate.ts`);
    } else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
      console.log(`wrote ${path}`);
    }
  }
  if (stale === 0) console.log('generated TypeScript is up to date.');
  return check && stale > 0 ? 1 : 0;
}

main(process.argv.includes('--check')).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
