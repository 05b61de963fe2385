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

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() ? stderr : (error as Error).message;
  return text.trim().split('\n')[0] ?? 'unknown error';
}
