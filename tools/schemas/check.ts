// Usage: node tools/run-ts.cjs tools/schemas/check.ts [--against <git-ref> | --against-previous] [--no-git]
// Fails (exit 1) when a schema change breaks compatibility, edits a released version, breaks a
// house rule, or leaves the generated TypeScript or docs/asyncapi.yaml out of date.
// --against: the revision whose schema versions count as released (default HEAD: catches
// uncommitted edits). --against-previous (CI, on a clean clone where HEAD is the commit under
// test): the merge-base with origin/main when HEAD is past it, else HEAD~1; without such a
// revision (shallow clone, first commit) it says why and checks the version files alone, as it
// does without git.
import { checkSchemas } from './src/check';
import { REPO_ROOT } from './src/format';
import { previousRevision, readGitBaseline } from './src/git-baseline';
import { formatViolation } from './src/schema-files';

const USAGE = 'usage: check.ts [--against <git-ref> | --against-previous] [--no-git]';

async function main(args: string[]): Promise<number> {
  const refAt = args.indexOf('--against');
  const previous = args.includes('--against-previous');
  let ref: string | undefined = refAt >= 0 ? args[refAt + 1] : 'HEAD';
  if (ref === undefined || ref.startsWith('--') || (previous && refAt >= 0)) {
    console.error(USAGE);
    return 2;
  }
  let baseline;
  if (!args.includes('--no-git')) {
    if (previous) {
      const found = previousRevision(REPO_ROOT);
      if ('ref' in found) {
        ref = found.ref;
        console.log(`schemas: comparing with ${found.ref}, ${found.why}`);
      } else {
        ref = undefined;
        console.log(`schemas: not comparing with git: ${found.unavailable}`);
      }
    }
    const result = ref === undefined ? undefined : readGitBaseline(REPO_ROOT, ref);
    if (result && 'baseline' in result) baseline = result.baseline;
    else if (result) console.log(`schemas: not comparing with git: ${result.unavailable}`);
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
