/**
 * Key and factor generation for the pseudonymization system.
 * Usage: node tools/run-ts.cjs libs/pseudonym/src/cli.ts keygen [--domains router,app,sms,email]
 *          [--keep-reshuffle-factors <transcryptor-config.json>]
 * Prints JSON: `public` (for senders), `transcryptor` (identity service, secret) and
 * `domainKeys` (one per domain service, secret). The system secret key is not kept.
 */
import { readFileSync } from 'node:fs';
import { generatePseudonymKeys, parseTranscryptorConfig } from './config';
import { isPseudonymDomain, PSEUDONYM_DOMAINS, type PseudonymDomain } from './domains';

function fail(message: string): never {
  console.error(message);
  console.error(
    'usage: keygen [--domains router,app,sms,email] [--keep-reshuffle-factors <transcryptor-config.json>]',
  );
  process.exit(2);
}

function main(argv: string[]): void {
  const [command, ...args] = argv;
  if (command !== 'keygen') fail(`unknown command "${command ?? ''}"`);
  let domains: PseudonymDomain[] = [...PSEUDONYM_DOMAINS];
  let keepFrom: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--domains') {
      const list = (args[++i] ?? '').split(',').filter(Boolean);
      const unknown = list.filter((d) => !isPseudonymDomain(d));
      if (list.length === 0 || unknown.length > 0)
        fail(`--domains takes a comma-separated subset of ${PSEUDONYM_DOMAINS.join(',')}`);
      domains = list as PseudonymDomain[];
    } else if (arg === '--keep-reshuffle-factors') {
      keepFrom = args[++i] ?? fail('--keep-reshuffle-factors needs a file');
    } else {
      fail(`unknown option "${arg}"`);
    }
  }
  const keepReshuffleFactors = keepFrom
    ? parseTranscryptorConfig(JSON.parse(readFileSync(keepFrom, 'utf8')) as unknown)
    : undefined;
  process.stdout.write(
    `${JSON.stringify(generatePseudonymKeys({ domains, keepReshuffleFactors }), null, 2)}\n`,
  );
}

main(process.argv.slice(2));
