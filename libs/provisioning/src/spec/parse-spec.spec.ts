import { describe, expect, it } from 'vitest';
import { ProvisioningSpecError, SecretReferenceError } from '../errors';
import { SMALL_SPEC } from '../testing-fixtures';
import { parseProvisioningSpec } from './parse-spec';
import { resolvePasswords } from './secrets';

const problemsOf = (text: string, profile?: string): readonly string[] => {
  try {
    parseProvisioningSpec(text, 'test.yaml', { profile });
  } catch (error) {
    expect(error).toBeInstanceOf(ProvisioningSpecError);
    return (error as ProvisioningSpecError).problems;
  }
  throw new Error('expected the file to be refused');
};

describe('parseProvisioningSpec', () => {
  it('fills in defaults, compaction, status topics and principals', () => {
    const spec = parseProvisioningSpec(SMALL_SPEC, '/etc/smis/platform.yaml');
    expect(spec.baseDir).toBe('/etc/smis');
    expect(spec.clusterName).toBe('smis');
    expect(spec.stateTopic).toMatchObject({
      name: 'smis.provisioning.state.v1',
      partitions: 1,
      config: { 'cleanup.policy': 'compact' },
    });
    const [requests, preferences] = spec.topics;
    expect(requests).toMatchObject({
      partitions: 6,
      replicationFactor: 1,
      retries: 2,
      dlq: true,
      config: { 'retention.ms': '86400000' },
    });
    expect(requests.dlqConfig).toEqual({ 'retention.ms': '604800000' });
    expect(preferences.config).toEqual({ 'retention.ms': '86400000', 'cleanup.policy': 'compact' });
    const [sender] = spec.senders;
    expect(sender).toMatchObject({
      user: 'tax-office',
      groupPrefixes: ['tax-office.'],
      statusTopic: { name: 'smis.status.tax-office.v1', retries: 0, dlq: false },
    });
    expect(sender.consumes).toEqual([{ name: 'smis.status.tax-office.v1', prefixed: false }]);
    expect(spec.services[0]).toMatchObject({
      user: 'smis-router',
      password: { file: 'secrets/router' },
      produces: [{ name: 'smis.status.', prefixed: true }],
    });
  });

  it('names every problem with its path', () => {
    const problems = problemsOf(`
version: 2
defaults: { partitions: 0, replicationFactor: 1, config: { min.insync.replicas: 2 } }
topics:
  - name: smis.requests.v1
    colour: blue
  - name: smis.requests.v1
senders:
  - id: Tax_Office
    password: { env: X }
services:
  - name: router
    password: { env: A, file: b }
    consumes: [smis.unknown.v1, smis.provisioning.*]
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        '$.version: must be 1',
        '$.defaults.partitions: must be an integer from 1 to 10000, not 0',
        '$.topics[0].colour: unknown key (expected one of name, partitions, replicationFactor, compacted, config, retries, dlq, description)',
        expect.stringMatching(/topic smis\.requests\.v1 is declared twice/),
        expect.stringMatching(/^\$\.senders\[0\]\.id: must be a sender id/),
        expect.stringMatching(/^\$\.services\[0\]\.password: give exactly one of env/),
        expect.stringMatching(/^\$\.services\[0\]\.consumes: smis\.unknown\.v1 is not declared/),
        '$.services[0].consumes: the provisioning state topic is for the provisioner only',
        expect.stringMatching(/min\.insync\.replicas \(2\) is above the replication factor \(1\)/),
      ]),
    );
  });

  it('applies a profile to every topic, and refuses an unknown one', () => {
    const text =
      `${SMALL_SPEC}\nprofiles:\n  tiny: { replicationFactor: 1, config: { min.insync.replicas: 1, segment.bytes: 1048576 } }\n`.replace(
        'replicationFactor: 1\n  config: { retention.ms: 86400000 }',
        'replicationFactor: 3\n  config: { retention.ms: 86400000, min.insync.replicas: 2 }',
      );
    expect(parseProvisioningSpec(text).topics[0].replicationFactor).toBe(3);
    const tiny = parseProvisioningSpec(text, 'x', { profile: 'tiny' });
    for (const topic of [tiny.stateTopic, ...tiny.topics, ...tiny.senders.map((s) => s.statusTopic)]) {
      expect(topic.replicationFactor).toBe(1);
      expect(topic.config['min.insync.replicas']).toBe('1');
    }
    expect(tiny.topics[0].dlqConfig['segment.bytes']).toBe('1048576');
    expect(problemsOf(text, 'huge')).toEqual(['$.profiles: has no profile "huge" (profiles: tiny)']);
  });

  it('reports YAML syntax errors', () => {
    expect(problemsOf('topics: [unclosed')[0]).toMatch(/^not valid YAML/);
  });
});

describe('resolvePasswords', () => {
  const spec = parseProvisioningSpec(SMALL_SPEC, '/etc/smis/platform.yaml');

  it('reads variables and files relative to the spec', () => {
    const files: string[] = [];
    const passwords = resolvePasswords(spec, {
      env: { PW_TAX: 'tax-office-password-1' },
      readFile: (file) => (files.push(file), 'router-password-0001\n'),
    });
    expect(files).toEqual(['/etc/smis/secrets/router']);
    expect(passwords).toEqual(
      new Map([
        ['tax-office', 'tax-office-password-1'],
        ['smis-router', 'router-password-0001'],
      ]),
    );
  });

  it('lists every unusable password without showing it', () => {
    let error: SecretReferenceError | undefined;
    try {
      resolvePasswords(spec, { env: { PW_TAX: 'has,comma-and-is-long' }, readFile: () => 'short' });
    } catch (e) {
      error = e as SecretReferenceError;
    }
    expect(error).toBeInstanceOf(SecretReferenceError);
    expect(error?.problems).toEqual([
      'tax-office: the password in environment variable PW_TAX contains a comma, backslash, quote or space',
      'smis-router: the password in file secrets/router is shorter than 16 characters',
    ]);
    expect(error?.message).not.toContain('has,comma');
    expect(() => resolvePasswords(spec, { env: {}, readFile: () => 'router-password-0001' })).toThrow(
      /PW_TAX is not set/,
    );
  });
});
