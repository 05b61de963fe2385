import { runCli } from './cli';

// `node tools/run-ts.cjs apps/cli/src/main.ts <command>`; the exit codes are in `--help`.
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`smis: ${error.message}\n`);
    process.exitCode = 1;
  },
);
