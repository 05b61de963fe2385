/** What `smis` exits with; documented in `smis --help` and docs/operations.md. */
export const EXIT = Object.freeze({
  /** Done (or, with --dry-run, the plan was printed). */
  ok: 0,
  /** Something failed: the cluster or platform, the file, a secret, a refused plan, message or broadcast. */
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
  1  failure: cluster or platform unreachable, invalid file, unreadable secret, refused plan,
     message or broadcast (broadcast watch: also REJECTED, EXPIRED or --timeout)
  2  usage: unknown command or option, missing argument
  3  drift: with --dry-run --exit-code, the cluster differs from the file`;
