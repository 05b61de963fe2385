import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseProvisioningSpec } from '../spec/parse-spec';
import { SMALL_SPEC } from '../testing-fixtures';
import { kubernetesName, renderStrimzi } from './render-strimzi';

interface Rendered {
  metadata: { name: string };
  spec: {
    topicName?: string;
    authentication?: { type: string };
    authorization?: { acls: unknown[] };
  };
}

describe('renderStrimzi', () => {
  const rendered = renderStrimzi(parseProvisioningSpec(SMALL_SPEC), 'platform.yaml');
  const documents = (text: string): Rendered[] => parseAllDocuments(text).map((d) => d.toJS() as Rendered);

  it('writes one KafkaTopic per topic, retry, DLQ, status and state topic', () => {
    const topics = documents(rendered.topics);
    expect(topics.map((t) => t.spec.topicName)).toEqual([
      'smis.provisioning.state.v1',
      'smis.requests.v1',
      'smis.requests.v1.retry.1',
      'smis.requests.v1.retry.2',
      'smis.requests.v1.dlq',
      'smis.preferences.v1',
      'smis.status.tax-office.v1',
    ]);
    expect(topics[1]).toEqual({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaTopic',
      metadata: {
        name: 'smis.requests.v1',
        labels: {
          'strimzi.io/cluster': 'smis',
          'app.kubernetes.io/part-of': 'smis',
          'app.kubernetes.io/managed-by': 'smis-provisioning',
        },
      },
      spec: {
        topicName: 'smis.requests.v1',
        partitions: 6,
        replicas: 1,
        config: { 'retention.ms': '86400000' },
      },
    });
    expect(rendered.topics.startsWith('# Generated from platform.yaml')).toBe(true);
  });

  it('writes one KafkaUser per principal with SCRAM-SHA-512 and its ACLs', () => {
    const users = documents(rendered.users);
    expect(users.map((u) => u.metadata.name)).toEqual(['tax-office', 'smis-router']);
    const router = users[1];
    expect(router.spec.authentication).toEqual({ type: 'scram-sha-512' });
    expect(router.spec.authorization?.acls).toEqual([
      {
        resource: { type: 'topic', name: 'smis.requests.v1', patternType: 'literal' },
        operations: ['Read'],
        host: '*',
      },
      {
        resource: { type: 'topic', name: 'smis.requests.v1.retry.', patternType: 'prefix' },
        operations: ['Read', 'Write'],
        host: '*',
      },
      {
        resource: { type: 'topic', name: 'smis.requests.v1.dlq', patternType: 'literal' },
        operations: ['Write'],
        host: '*',
      },
      {
        resource: { type: 'topic', name: 'smis.preferences.v1', patternType: 'literal' },
        operations: ['Read'],
        host: '*',
      },
      {
        resource: { type: 'topic', name: 'smis.status.', patternType: 'prefix' },
        operations: ['Write'],
        host: '*',
      },
      {
        resource: { type: 'group', name: 'smis-router', patternType: 'prefix' },
        operations: ['Read'],
        host: '*',
      },
    ]);
  });

  it('makes Kubernetes names of topic names', () => {
    expect(kubernetesName('smis.requests.v1')).toBe('smis.requests.v1');
    expect(kubernetesName('Legacy_Topic.')).toBe('legacy-topic');
  });
});
