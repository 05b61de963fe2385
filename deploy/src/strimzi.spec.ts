import { parseProvisioningSpec, renderStrimzi } from '@smis/provisioning';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { problems, readText, readYamlDocuments, schema } from './manifests';

interface Listener {
  authentication?: { type: string };
}
interface Resource {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    // Kafka
    kafka: { config: Record<string, unknown>; authorization: { type: string }; listeners: Listener[] };
    entityOperator: Record<string, unknown>;
    // KafkaNodePool
    replicas: number;
    roles: string[];
    // KafkaTopic
    config?: Record<string, string>;
    // KafkaUser
    authentication: { type: string };
  };
}

const PLATFORM = 'deploy/provisioning/platform.yaml';
const spec = parseProvisioningSpec(readText(PLATFORM), PLATFORM);
const cluster = readYamlDocuments<Resource>('deploy/k8s/strimzi/kafka.yaml');
const topics = readYamlDocuments<Resource>('deploy/k8s/strimzi/topics.yaml');
const users = readYamlDocuments<Resource>('deploy/k8s/strimzi/users.yaml');

describe('Strimzi resources (deploy/k8s/strimzi)', () => {
  it('match the Strimzi schema subset', () => {
    const validate = schema('strimzi.schema.json');
    const all = [...cluster, ...topics, ...users];
    expect(
      all.flatMap((resource) => problems(validate, resource, `${resource.kind} ${resource.metadata?.name}`)),
    ).toEqual([]);
    expect(cluster.map((r) => r.kind).sort()).toEqual(['Kafka', 'KafkaNodePool']);
  });

  it('are what render-strimzi makes of deploy/provisioning/platform.yaml', () => {
    // Compared as data: formatting and the header comment may differ.
    const rendered = renderStrimzi(spec, PLATFORM);
    const asData = (text: string) => parseAllDocuments(text).map((d) => d.toJS());
    expect(topics, 'topics.yaml is stale: run smis admin render-strimzi --out deploy/k8s/strimzi').toEqual(
      asData(rendered.topics),
    );
    expect(users, 'users.yaml is stale: run smis admin render-strimzi --out deploy/k8s/strimzi').toEqual(
      asData(rendered.users),
    );
  });

  it('describe a cluster that can hold what the file asks for', () => {
    const kafka = cluster.find((r) => r.kind === 'Kafka') as Resource;
    const pool = cluster.find((r) => r.kind === 'KafkaNodePool') as Resource;
    expect(kafka.metadata.name).toBe(spec.clusterName);
    expect(pool.metadata.labels?.['strimzi.io/cluster']).toBe(spec.clusterName);
    expect(pool.spec.roles).toEqual(expect.arrayContaining(['controller', 'broker']));

    const brokers = pool.spec.replicas;
    const maxReplicas = Math.max(...topics.map((t) => t.spec.replicas));
    const maxMinIsr = Math.max(...topics.map((t) => Number(t.spec.config?.['min.insync.replicas'] ?? 1)));
    expect(brokers).toBeGreaterThanOrEqual(maxReplicas);
    // One broker may be down (a rolling update) and every topic still takes writes.
    expect(brokers - 1).toBeGreaterThanOrEqual(maxMinIsr);
    expect(kafka.spec.kafka.config['min.insync.replicas']).toBe(maxMinIsr);
    expect(kafka.spec.kafka.config['auto.create.topics.enable']).toBe(false);

    // Users authenticate with SCRAM-SHA-512 and the cluster enforces their ACLs.
    expect(kafka.spec.kafka.authorization.type).toBe('simple');
    expect(
      kafka.spec.kafka.listeners.every(
        (l: { authentication?: { type: string } }) => l.authentication?.type === 'scram-sha-512',
      ),
    ).toBe(true);
    expect(users.every((u) => u.spec.authentication.type === 'scram-sha-512')).toBe(true);
    expect(kafka.spec.entityOperator).toHaveProperty('topicOperator');
    expect(kafka.spec.entityOperator).toHaveProperty('userOperator');
  });
});
