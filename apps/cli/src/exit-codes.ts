/** What `smis` exits with; documented in `smis --help` and docs/operations.md. */
export const EXIT = Object.freeze({
  /** Done (or, with --dry-run, the plan was printed). */
  ok: 0,
  /** Something failed: the cluster, the file, a secret, a refused plan. */
  failure: 1,
  /** The command line was wrong. */
  usage: 2,
  /** `--dry-run --exit-code`: the cluster differs from the file. */
  drift: 3,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `
Exit codes:
  0  success (with --dry-run: the plan was printed)
  1  failure: cluster unreachable, invalid file, unreadable secret, refused plan
  2  usage: unknown command or option, missing argument
  3  drift: with --dry-run --exit-code, the cluster differs from the file`;
