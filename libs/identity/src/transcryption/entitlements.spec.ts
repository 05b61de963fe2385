import { SERVICE_NAMES } from '@smis/keyring';
import { PSEUDONYM_DOMAINS } from '@smis/pseudonym';
import { describe, expect, it } from 'vitest';
import { isEntitled, TRANSCRYPTION_ENTITLEMENTS } from './entitlements';
import { ServiceAuthenticator } from './service-auth';

describe('transcryption entitlements (ADR 4)', () => {
  const expected: Record<string, string[]> = {
    router: ['router', 'app', 'sms', 'email'],
    'app-channel': ['app', 'router'],
    'sms-channel': ['sms'],
    'email-channel': ['email'],
    gateway: [],
    broadcast: [],
  };

  it('grant exactly the table of ADR 4, for every known service and domain', () => {
    expect(Object.keys(TRANSCRYPTION_ENTITLEMENTS).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const service of SERVICE_NAMES)
      for (const domain of PSEUDONYM_DOMAINS)
        expect(isEntitled(service, domain), `${service} -> ${domain}`).toBe(
          expected[service].includes(domain),
        );
  });

  it('grant nothing to unknown callers or domains, prototype names included', () => {
    for (const caller of ['identity', 'status', '', 'constructor', '__proto__', 'toString'])
      for (const domain of [...PSEUDONYM_DOMAINS, 'constructor'])
        expect(isEntitled(caller, domain)).toBe(false);
    expect(isEntitled('router', 'length')).toBe(false);
  });
});

describe('service authentication', () => {
  const tokens = { router: 'r'.repeat(32), 'sms-channel': 's'.repeat(32) };
  const auth = new ServiceAuthenticator(tokens);

  it('finds the caller by its bearer token', () => {
    expect(auth.authenticate(`Bearer ${'r'.repeat(32)}`)).toBe('router');
    expect(auth.authenticate(`bearer ${'s'.repeat(32)}`)).toBe('sms-channel');
  });

  it('knows no one for a wrong, truncated, longer or missing token', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      `Bearer ${'r'.repeat(31)}`,
      `Bearer ${'r'.repeat(33)}`,
      `Basic ${'r'.repeat(32)}`,
      `Bearer ${'x'.repeat(32)}`,
      'r'.repeat(32),
    ])
      expect(auth.authenticate(header)).toBeUndefined();
  });
});
