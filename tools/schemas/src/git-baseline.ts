import { execFileSync } from 'node:child_process';
import { SCHEMAS_DIR } from './schema-files';

/** The schema files as a git revision has them: what "released" means when git is at hand. */
export interface Baseline {
  /** For example `HEAD` or `origin/main`. */
  readonly ref: string;
  /** Path (relative to the repository root) → file text, for every schemas/<record>/v<n>.avsc. */
  readonly files: ReadonlyMap<string, string>;
}

export type BaselineResult = { readonly baseline: Baseline } | { readonly unavailable: string };

/**
 * Reads schemas/ at `ref` with read-only git commands (rev-parse, ls-tree, show). Unavailable,
 * with the reason, when git is missing, `root` is not a repository or `ref` does not exist
 * (a fresh `git init`, a tarball): the version files alone still carry the history.
 */
export function readGitBaseline(root: string, ref: string): BaselineResult {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  try {
    git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch (error) {
    return { unavailable: `no git revision ${ref} here (${firstLine(error)})` };
  }
  const files = new Map<string, string>();
  try {
    const prefix = git('rev-parse', '--show-prefix').trim();
    const listed = git('ls-tree', '-r', '--name-only', '--full-tree', ref, '--', `${prefix}${SCHEMAS_DIR}`)
      .split('\n')
      .filter((p) => /\/v[1-9][0-9]*\.avsc$/.test(p));
    for (const path of listed) {
      files.set(path.slice(prefix.length), git('show', `${ref}:${path}`));
    }
  } catch (error) {
    return { unavailable: `git could not list ${SCHEMAS_DIR}/ at ${ref} (${firstLine(error)})` };
  }
  return { baseline: { ref, files } };
}

/** The revision to compare with in CI, and why that one. */
export type PreviousRevision =
  | { readonly ref: string; readonly why: string }
  | { readonly unavailable: string };

/**
 * The schemas' previous version, for CI on a clean clone (where `HEAD` is the very commit under
 * test, so comparing with it proves nothing): the merge-base of HEAD with `upstream` when that
 * is an earlier commit (a branch), else HEAD's first parent (`HEAD~1`: main before the tip
 * commit, or before the merge). Unavailable, with the reason, in a shallow clone that lacks the
 * parent, in a repository whose HEAD is its first commit, and without git. Read-only git only.
 */
export function previousRevision(root: string, upstream = 'origin/main'): PreviousRevision {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  let head: string;
  try {
    head = git('rev-parse', '--verify', '--quiet', 'HEAD^{commit}');
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const reason = typeof stderr === 'string' && stderr.trim() ? firstLine(error) : 'nothing committed yet';
    return { unavailable: `no commit at HEAD here (${reason})` };
  }
  let upstreamNote = `no ${upstream} here`;
  try {
    git('rev-parse', '--verify', '--quiet', `${upstream}^{commit}`);
    try {
      const base = git('merge-base', 'HEAD', upstream);
      if (base && base !== head) {
        return { ref: git('rev-parse', '--short=12', base), why: `the merge-base of HEAD with ${upstream}` };
      }
      upstreamNote = `HEAD is on ${upstream}`;
    } catch {
      upstreamNote = `HEAD has no common history with ${upstream} here`;
    }
  } catch {
    // No upstream (a local repository, a clone of one branch under another name): HEAD~1 it is.
  }
  try {
    git('rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}');
    return { ref: 'HEAD~1', why: `HEAD's parent (${upstreamNote})` };
  } catch {
    // Below: why there is no parent.
  }
  let shallow = false;
  try {
    shallow = git('rev-parse', '--is-shallow-repository') === 'true';
  } catch {
    // An old git: treat as complete.
  }
  return {
    unavailable: shallow
      ? `shallow clone without HEAD's parent (${upstreamNote}): fetch more history (git fetch --deepen=1) to compare with the previous schemas`
      : `HEAD is the repository's first commit (${upstreamNote}): no previous schemas to compare with`,
  };
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() ? stderr : (error as Error).message;
  return text.trim().split('\n')[0] ?? 'unknown error';
}
