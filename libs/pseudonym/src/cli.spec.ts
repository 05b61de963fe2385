import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseDomainKeyConfig,
  parseSystemPublicKeyConfig,
  parseTranscryptorConfig,
  type PseudonymKeyMaterial,
} from './config';

const root = join(__dirname, '..', '..', '..');
const keygen = (...args: string[]) =>
  execFileSync(process.execPath, ['tools/run-ts.cjs', 'libs/pseudonym/src/cli.ts', 'keygen', ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: 'pipe',
  });

describe('keygen command', () => {
  it('prints key material that the config parsers accept', () => {
    const material = JSON.parse(keygen('--domains', 'router,sms')) as PseudonymKeyMaterial;
    expect(parseSystemPublicKeyConfig(material.public)).toEqual(material.public);
    expect(Object.keys(parseTranscryptorConfig(material.transcryptor).domains)).toEqual(['router', 'sms']);
    expect(material.domainKeys.map((k) => parseDomainKeyConfig(k).domain)).toEqual(['router', 'sms']);
    expect(JSON.stringify(material)).not.toMatch(/systemSecretKey/);
  });

  it('refuses unknown domains with a usage message', () => {
    expect(() => keygen('--domains', 'fax')).toThrow(/--domains takes/);
  });
});
