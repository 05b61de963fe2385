// Usage: node tools/run-ts.cjs tools/schemas/asyncapi.ts [--check]
// Writes docs/asyncapi.yaml (AsyncAPI 3.0) from the topic map and the schemas;
// with --check, writes nothing and exits 1 if it is out of date.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASYNCAPI_PATH, generateAsyncApi } from './src/asyncapi';
import { REPO_ROOT } from './src/format';
import { formatViolation, loadSchemaFiles } from './src/schema-files';

function main(check: boolean): number {
  const { files, violations } = loadSchemaFiles(REPO_ROOT);
  if (violations.length > 0) {
    violations.forEach((v) => console.error(formatViolation(v)));
    return 1;
  }
  const content = generateAsyncApi(files);
  const target = join(REPO_ROOT, ASYNCAPI_PATH);
  if ((existsSync(target) ? readFileSync(target, 'utf8') : undefined) === content) {
    console.log(`${ASYNCAPI_PATH} is up to date.`);
    return 0;
  }
  if (check) {
    console.error(`${ASYNCAPI_PATH} is out of date: run node tools/run-ts.cjs tools/schemas/asyncapi.ts`);
    return 1;
  }
  writeFileSync(target, content);
  console.log(`wrote ${ASYNCAPI_PATH}`);
  return 0;
}

try {
  process.exit(main(process.argv.includes('--check')));
} catch (error) {
  console.error(error);
  process.exit(2);
}
