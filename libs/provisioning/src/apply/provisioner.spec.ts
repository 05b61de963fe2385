import { describe, expect, it } from 'vitest';
import { PlanRefusedError } from '../errors';
import { formatPlan } from '../plan/format-plan';
import { parseProvisioningSpec } from '../spec/parse-spec';
import { InMemoryStateStore } from '../state/state-store';
import { FakeCluster, SMALL_SPEC } from '../testing-fixtures';
import { createProvisioner } from './provisioner';

const passwords = new Map([
  ['tax-office', 'tax-office-password-1'],
  ['smis-router', 'router-password-00001'],
]);

function setup() {
  const cluster = new FakeCluster();
  const state = new InMemoryStateStore();
  const provisioner = createProvisioner({ admin: cluster.admin, scram: cluster.scram, state });
  return { cluster, state, provisioner };
}

describe('provisioner', () => {
  it('creates everything, then finds nothing to do', async () => {
    const { cluster, provisioner } = setup();
    const spec = parseProvisioningSpec(SMALL_SPEC);
    const first = await provisioner.plan(spec, passwords);
    // state + requests (2 retries, dlq) + preferences + status topic
    expect(first.plan.counts).toEqual({ create: 7 + 2 + first.desired.acls.length, alter: 0, delete: 0 });
    await provisioner.apply(first);
    expect(cluster.users).toEqual(passwords);
    expect(cluster.topics.get('smis.requests.v1.dlq')).toEqual({
      partitions: 6,
      replicationFactor: 1,
      overrides: { 'retention.ms': '604800000' },
    });

    const second = await provisioner.plan(spec, passwords);
    expect(second.plan.changes).toEqual([]);
    expect(formatPlan(second.plan)).toBe('No changes: the cluster matches the file (0 changes).');
  });

  it('plans only the difference: settings, partitions, passwords, ACLs, removed users', async () => {
    const { provisioner } = setup();
    await provisioner.apply(await provisioner.plan(parseProvisioningSpec(SMALL_SPEC), passwords));
    const changed = SMALL_SPEC.replace('partitions: 6', 'partitions: 8')
      .replace('compacted: true', 'compacted: true\n    config: { min.cleanable.dirty.ratio: 0.1 }')
      .replace(/senders:[\s\S]*?services:/, 'services:');
    const rotated = new Map([['smis-router', 'router-password-00002']]);
    const { plan } = await provisioner.plan(parseProvisioningSpec(changed), rotated);
    expect(formatPlan(plan).split('\n')).toEqual([
      '~ topic smis.requests.v1 partitions: 6 → 8',
      '~ topic smis.requests.v1.retry.1 partitions: 6 → 8',
      '~ topic smis.requests.v1.retry.2 partitions: 6 → 8',
      '~ topic smis.requests.v1.dlq partitions: 6 → 8',
      '~ topic smis.preferences.v1 min.cleanable.dirty.ratio: (default) → 0.1',
      '- topic smis.status.tax-office.v1 (no longer declared; deleting it deletes its records)',
      '~ user smis-router password (password changed)',
      '- user tax-office (no longer declared)',
      '- acl User:tax-office allow read on topic smis.status.tax-office.v1',
      '- acl User:tax-office allow write on topic smis.requests.v1',
      '- acl User:tax-office allow read on group tax-office.*',
      '11 changes: 0 to create, 6 to alter, 5 to delete.',
    ]);
  });

  it('refuses, changing nothing, to delete topics unless allowed, or to change what Kafka cannot', async () => {
    const { cluster, provisioner } = setup();
    await provisioner.apply(await provisioner.plan(parseProvisioningSpec(SMALL_SPEC), passwords));
    const withoutSender = SMALL_SPEC.replace(/senders:[\s\S]*?services:/, 'services:');
    const prepared = await provisioner.plan(parseProvisioningSpec(withoutSender), passwords);
    const callsBefore = cluster.calls.length;
    await expect(provisioner.apply(prepared)).rejects.toThrow(PlanRefusedError);
    await expect(provisioner.apply(prepared)).rejects.toThrow(
      /smis\.status\.tax-office\.v1.*--allow-topic-deletion/,
    );
    expect(cluster.calls.length).toBe(callsBefore);
    await provisioner.apply(prepared, { allowTopicDeletion: true });
    expect(cluster.topics.has('smis.status.tax-office.v1')).toBe(false);
    expect(cluster.users.has('tax-office')).toBe(false);
    expect((await provisioner.plan(parseProvisioningSpec(withoutSender), passwords)).plan.changes).toEqual(
      [],
    );

    const shrunk = await provisioner.plan(
      parseProvisioningSpec(
        withoutSender
          .replace('partitions: 6', 'partitions: 2')
          .replace('replicationFactor: 1', 'replicationFactor: 2'),
      ),
      passwords,
    );
    expect(shrunk.plan.blocked).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^topic smis\.requests\.v1: 6 → 2 partitions, but Kafka cannot remove partitions/,
        ),
        expect.stringMatching(
          /^topic smis\.requests\.v1: replication factor 1 → 2 needs a partition reassignment/,
        ),
      ]),
    );
    await expect(provisioner.apply(shrunk)).rejects.toThrow(/cannot remove partitions/);
  });

  it('sets the password of a user it did not create, and leaves other principals alone', async () => {
    const { cluster, provisioner } = setup();
    cluster.users.set('smis-router', 'set-by-hand-000000000');
    cluster.users.set('admin', 'the-administrator-00');
    cluster.acls.push({
      principal: 'User:admin',
      host: '*',
      resourceType: 'cluster',
      resourceName: 'kafka-cluster',
      patternType: 'literal',
      operation: 'all',
      permission: 'allow',
    });
    const { plan } = await provisioner.plan(parseProvisioningSpec(SMALL_SPEC), passwords);
    expect(plan.changes.filter((c) => c.kind === 'set-password')).toEqual([
      {
        kind: 'set-password',
        user: 'smis-router',
        owner: 'service router',
        reason: 'exists, but was not set by this tool',
      },
    ]);
    expect(
      plan.changes.some((c) => c.kind.endsWith('acl') && 'acl' in c && c.acl.principal === 'User:admin'),
    ).toBe(false);
    expect(plan.changes.some((c) => c.kind === 'delete-user')).toBe(false);
  });

  it('leaves skipped kinds alone and says so', async () => {
    const { provisioner } = setup();
    const { plan } = await provisioner.plan(parseProvisioningSpec(SMALL_SPEC), new Map(), {
      skip: ['users', 'acls'],
    });
    expect(plan.changes.every((c) => c.kind === 'create-topic')).toBe(true);
    expect(formatPlan(plan)).toMatch(/Not checked: users, acls\.$/);
  });
});
