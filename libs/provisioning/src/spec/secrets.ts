import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SecretReferenceError } from '../errors';
import type { PasswordReference, ProvisioningSpec } from './provisioning-spec';

export interface SecretSources {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a secret file (default: fs, UTF-8); paths are resolved against the spec's directory. */
  readFile?: (file: string) => string;
}

/**
 * Characters ConfigCommand and the JAAS line in client configs cannot carry safely: its
 * `key=value,key=value` syntax splits on commas, Java properties treat backslashes as escapes,
 * and a quote would end the JAAS password.
 */
const FORBIDDEN = /[,\\"\s]/;
const MIN_LENGTH = 16;

export function describeReference(reference: PasswordReference): string {
  return 'env' in reference ? `environment variable ${reference.env}` : `file ${reference.file}`;
}

/**
 * Reads every SCRAM password the spec refers to, by user name. Collects all problems (unset
 * variables, unreadable files, weak or unusable passwords) into one `SecretReferenceError`;
 * messages name the reference, never the value.
 */
export function resolvePasswords(spec: ProvisioningSpec, sources: SecretSources): Map<string, string> {
  const readFile = sources.readFile ?? ((file: string) => readFileSync(file, 'utf8'));
  const passwords = new Map<string, string>();
  const problems: string[] = [];
  for (const declared of [...spec.senders, ...spec.services]) {
    const reference = declared.password;
    let value: string | undefined;
    if ('env' in reference) {
      value = sources.env[reference.env];
      if (value === undefined || value === '')
        problems.push(`${declared.user}: ${describeReference(reference)} is not set`);
    } else {
      const file = path.resolve(spec.baseDir, reference.file);
      try {
        value = readFile(file).replace(/\r?\n$/, '');
      } catch (error) {
        problems.push(
          `${declared.user}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
    if (value === undefined || value === '') continue;
    if (FORBIDDEN.test(value)) {
      problems.push(
        `${declared.user}: the password in ${describeReference(reference)} contains a comma, backslash, quote or space`,
      );
    } else if (value.length < MIN_LENGTH) {
      problems.push(
        `${declared.user}: the password in ${describeReference(reference)} is shorter than ${MIN_LENGTH} characters`,
      );
    } else {
      passwords.set(declared.user, value);
    }
  }
  if (problems.length > 0) throw new SecretReferenceError(problems);
  return passwords;
}
