import type { AclBinding } from '@smis/messaging';
import { stringify } from 'yaml';
import { desiredState } from '../desired/desired-state';
import type { ProvisioningSpec } from '../spec/provisioning-spec';

export const STRIMZI_API_VERSION = 'kafka.strimzi.io/v1beta2';

/** Strimzi's names for ACL operations and resource types. */
const OPERATIONS: Readonly<Record<AclBinding['operation'], string>> = {
  all: 'All',
  read: 'Read',
  write: 'Write',
  create: 'Create',
  delete: 'Delete',
  alter: 'Alter',
  describe: 'Describe',
  'cluster-action': 'ClusterAction',
  'describe-configs': 'DescribeConfigs',
  'alter-configs': 'AlterConfigs',
  'idempotent-write': 'IdempotentWrite',
};
const RESOURCE_TYPES: Readonly<Record<AclBinding['resourceType'], string>> = {
  topic: 'topic',
  group: 'group',
  cluster: 'cluster',
  'transactional-id': 'transactionalId',
};

export interface StrimziResources {
  /** Multi-document YAML of `KafkaTopic`s. */
  topics: string;
  /** Multi-document YAML of `KafkaUser`s (SCRAM-SHA-512, simple authorization with the ACLs). */
  users: string;
}

/** A Kubernetes resource name for a topic name (DNS subdomain: lower case, digits, '.', '-'). */
export function kubernetesName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253);
}

function labels(clusterName: string): Record<string, string> {
  return {
    'strimzi.io/cluster': clusterName,
    'app.kubernetes.io/part-of': 'smis',
    'app.kubernetes.io/managed-by': 'smis-provisioning',
  };
}

function documents(header: string, resources: object[]): string {
  return `${header}\n${resources.map((resource) => `---\n${stringify(resource, { lineWidth: 0, singleQuote: true })}`).join('')}`;
}

/** The aclRules of one user: one rule per resource pattern, its operations sorted. */
function aclRules(acls: readonly AclBinding[]): object[] {
  const rules = new Map<
    string,
    { resource: Record<string, string>; operations: Set<string>; host: string; type: string }
  >();
  for (const acl of acls) {
    const key = [acl.resourceType, acl.resourceName, acl.patternType, acl.host, acl.permission].join('|');
    const rule = rules.get(key) ?? {
      resource:
        acl.resourceType === 'cluster'
          ? { type: 'cluster' }
          : {
              type: RESOURCE_TYPES[acl.resourceType],
              name: acl.resourceName,
              patternType: acl.patternType === 'prefixed' ? 'prefix' : 'literal',
            },
      operations: new Set<string>(),
      host: acl.host,
      type: acl.permission,
    };
    rule.operations.add(OPERATIONS[acl.operation]);
    rules.set(key, rule);
  }
  return [...rules.values()].map(({ resource, operations, host, type }) => ({
    resource,
    operations: [...operations].sort(),
    host,
    ...(type === 'deny' ? { type: 'deny' } : {}),
  }));
}

/**
 * `KafkaTopic`s and `KafkaUser`s for Strimzi's topic and user operators, from the same file
 * `smis admin apply` applies: on Kubernetes the operators do what apply does elsewhere. Users
 * get no password here: the user operator generates one into a Secret named after the user.
 */
export function renderStrimzi(spec: ProvisioningSpec, generatedBy: string): StrimziResources {
  const desired = desiredState(spec);
  const header = `# Generated from ${generatedBy} — do not edit; run it again after changing the file.`;
  const topics = desired.topics.map((topic) => ({
    apiVersion: STRIMZI_API_VERSION,
    kind: 'KafkaTopic',
    metadata: { name: kubernetesName(topic.name), labels: labels(spec.clusterName) },
    spec: {
      topicName: topic.name,
      partitions: topic.partitions,
      replicas: topic.replicationFactor,
      config: topic.config,
    },
  }));
  const users = desired.users.map((user) => ({
    apiVersion: STRIMZI_API_VERSION,
    kind: 'KafkaUser',
    metadata: {
      name: user.user,
      labels: labels(spec.clusterName),
      annotations: { 'smis.be/owner': user.owner },
    },
    spec: {
      authentication: { type: 'scram-sha-512' },
      authorization: {
        type: 'simple',
        acls: aclRules(desired.acls.filter((acl) => acl.principal === user.principal)),
      },
    },
  }));
  return { topics: documents(header, topics), users: documents(header, users) };
}
