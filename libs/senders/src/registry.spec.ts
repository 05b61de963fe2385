import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSenderRegistry, loadSenderRegistry, SenderRegistryError } from './registry';

const key = Buffer.alloc(32, 7).toString('base64');
const sender = {
  senderId: 'covid-tests',
  displayName: { en: 'COVID test results', nl: 'COVID-testresultaten' },
  signingKeys: [{ keyId: '0123456789abcdef', publicKey: key }],
};

describe('sender registry', () => {
  it('fills the policy defaults and finds signing keys', () => {
    const registry = createSenderRegistry([{ ...sender, policy: { dailyQuota: 5 } }]);
    const s = registry.get('covid-tests');
    expect(s?.policy.dailyQuota).toBe(5);
    expect(s?.policy.maxEnvelopeBytes).toBe(64 * 1024);
    expect([...(registry.signingKey('covid-tests', '0123456789abcdef') ?? [])]).toEqual([
      ...Buffer.alloc(32, 7),
    ]);
    expect(registry.signingKey('covid-tests', 'ffffffffffffffff')).toBeUndefined();
    expect(registry.signingKey('nobody', '0123456789abcdef')).toBeUndefined();
  });

  it('names every problem of a bad entry', () => {
    const error = (() => {
      try {
        createSenderRegistry([
          {
            senderId: 'Bad_Id',
            displayName: { xx: 'x' },
            signingKeys: [{ keyId: 'zz', publicKey: 'AAAA' }],
            policy: { quietHours: { start: '25:00', end: '07:00' } },
          },
        ]);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SenderRegistryError);
    for (const part of ['senderId', 'displayName.en', 'displayName.xx', 'keyId', 'publicKey', 'quietHours']) {
      expect(error?.message).toContain(part);
    }
  });

  it('refuses a sender listed twice and reads YAML files', () => {
    expect(() => createSenderRegistry([sender, sender])).toThrow(/listed twice/);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'senders-')), 'senders.yaml');
    writeFileSync(
      file,
      `senders:\n  - senderId: tax\n    displayName: { en: Tax office }\n    signingKeys:\n      - { keyId: "00000000000000aa", publicKey: "${key}" }\n`,
    );
    expect(
      loadSenderRegistry(file)
        .list()
        .map((s) => s.senderId),
    ).toEqual(['tax']);
    writeFileSync(file, 'nothing: here\n');
    expect(() => loadSenderRegistry(file)).toThrow(/must have a 'senders:' list/);
  });
});
