import type { AclBinding } from '@smis/messaging';
import type { ProvisioningAdmin, ScramUserAdmin, ScramUserChange } from './apply/ports';

/** A small provisioning file for unit tests. */
export const SMALL_SPEC = `
version: 1
defaults:
  partitions: 3
  replicationFactor: 1
  config: { retention.ms: 86400000 }
  retries: 2
  dlq: true
  dlqConfig: { retention.ms: 604800000 }
topics:
  - name: smis.requests.v1
    partitions: 6
  - name: smis.preferences.v1
    compacted: true
    retries: 0
    dlq: false
senders:
  - id: tax-office
    password: { env: PW_TAX }
    produces: [smis.requests.v1]
services:
  - name: router
    password: { file: secrets/router }
    consumes: [smis.requests.v1, smis.preferences.v1]
    produces: [smis.status.*]
`;

interface FakeTopic {
  partitions: number;
  replicationFactor: number;
  overrides: Record<string, string>;
}

/** An in-memory cluster behind the provisioning ports. */
export class FakeCluster {
  readonly topics = new Map<string, FakeTopic>();
  acls: AclBinding[] = [];
  readonly users = new Map<string, string>();
  readonly calls: string[] = [];

  readonly admin: ProvisioningAdmin = {
    listTopics: async () => [...this.topics.keys()],
    describeTopics: async (names) =>
      names.map((topic) => {
        const t = this.topics.get(topic) as FakeTopic;
        return {
          topic,
          partitions: Array.from({ length: t.partitions }, (_, partition) => ({
            partition,
            leader: 1,
            replicas: Array.from({ length: t.replicationFactor }, (_, i) => i + 1),
            isr: [1],
          })),
        };
      }),
    describeTopicConfigs: async (names) =>
      names.map((topic) => ({
        topic,
        entries: Object.entries((this.topics.get(topic) as FakeTopic).overrides).map(([name, value]) => ({
          name,
          value,
          source: 'topic' as const,
          readOnly: false,
          sensitive: false,
        })),
      })),
    ensureTopics: async (specs) => {
      this.calls.push(`ensureTopics ${specs.length}`);
      for (const spec of specs)
        this.topics.set(spec.topic, {
          partitions: spec.numPartitions ?? 1,
          replicationFactor: spec.replicationFactor ?? 1,
          overrides: { ...(spec.configEntries as Record<string, string>) },
        });
      return { created: specs.map((s) => s.topic), existing: [] };
    },
    alterTopicConfigs: async (changes) => {
      for (const change of changes)
        (this.topics.get(change.topic) as FakeTopic).overrides = { ...change.configs };
    },
    createPartitions: async (topic, count) => {
      (this.topics.get(topic) as FakeTopic).partitions = count;
    },
    deleteTopics: async (names) => {
      this.calls.push(`deleteTopics ${names.join(',')}`);
      names.forEach((name) => this.topics.delete(name));
    },
    describeAcls: async () => [...this.acls],
    createAcls: async (specs) => {
      this.acls.push(
        ...specs.map((s) => ({
          host: '*',
          patternType: 'literal' as const,
          permission: 'allow' as const,
          ...s,
        })),
      );
    },
    deleteAcls: async (filters) => {
      const removed = this.acls.filter((acl) =>
        filters.some((f) => Object.entries(f).every(([k, v]) => acl[k as keyof AclBinding] === v)),
      );
      this.acls = this.acls.filter((acl) => !removed.includes(acl));
      return removed;
    },
  };

  readonly scram: ScramUserAdmin = {
    listUsers: async () => [...this.users.keys()],
    apply: async (changes: readonly ScramUserChange[]) => {
      for (const change of changes) {
        this.calls.push(`scram ${change.remove ? 'remove' : 'set'} ${change.user}`);
        if (change.remove) this.users.delete(change.user);
        else this.users.set(change.user, change.password as string);
      }
    },
  };
}
