// Usage: node tools/run-ts.cjs tools/schemas/check.ts [--against <git-ref>] [--no-git]
// Fails (exit 1) when a schema change breaks compatibility, edits a released version, breaks a
// house rule, or leaves the generated TypeScript or docs/asyncapi.yaml out of date.
// --against: the revision whose schema versions count as released (default HEAD; in CI, the
// target branch, e.g. origin/main). Without git the version files alone are checked.
import { checkSchemas } from './src/check';
import { REPO_ROOT } from './src/format';
import { readGitBaseline } from './src/git-baseline';
import { formatViolation } from './src/schema-files';

async function main(args: string[]): Promise<number> {
  const refAt = args.indexOf('--against');
  const ref = refAt >= 0 ? args[refAt + 1] : 'HEAD';
  if (ref === undefined || ref.startsWith('--')) {
    console.error('usage: check.ts [--against <git-ref>] [--no-git]');
    return 2;
  }
  let baseline;
  if (!args.includes('--no-git')) {
    const result = readGitBaseline(REPO_ROOT, ref);
    if ('baseline' in result) baseline = result.baseline;
    else console.log(`schemas: not comparing with git: ${result.unavailable}`);
  }
  const report = await checkSchemas({ root: REPO_ROOT, baseline });
  for (const violation of report.violations) console.error(formatViolation(violation));
  if (report.violations.length > 0) {
    console.error(`schemas: ${report.violations.length} problem(s).`);
    return 1;
  }
  console.log(
    `schemas: ${report.records} records, ${report.schemaFiles} versions, ${report.pairs} version pairs compatible both ways` +
      `${baseline ? `, ${baseline.files.size} released versions unchanged since ${baseline.ref}` : ''}, generated files up to date.`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
