import type { AclBinding } from '@smis/messaging';
import type { PrincipalDeclaration, ProvisioningSpec, TopicDeclaration } from '../spec/provisioning-spec';

/** One concrete topic the cluster must have: a declared topic, or one of its retry/DLQ topics. */
export interface DesiredTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** The topic's complete set of overrides. */
  config: Record<string, string>;
  /** The declared topic it derives from (itself for a declared topic). */
  source: string;
  role: 'topic' | 'retry' | 'dlq' | 'status' | 'state';
}

export interface DesiredUser {
  user: string;
  principal: string;
  /** Who the user is for, e.g. `service router` or `sender tax-office`. */
  owner: string;
}

export interface DesiredState {
  topics: DesiredTopic[];
  users: DesiredUser[];
  acls: AclBinding[];
}

export function principalOf(user: string): string {
  return `User:${user}`;
}

function expandTopic(declaration: TopicDeclaration, role: DesiredTopic['role']): DesiredTopic[] {
  const base = {
    partitions: declaration.partitions,
    replicationFactor: declaration.replicationFactor,
    source: declaration.name,
  };
  return [
    { ...base, name: declaration.name, config: declaration.config, role },
    ...Array.from({ length: declaration.retries }, (_, index) => ({
      ...base,
      name: `${declaration.name}.retry.${index + 1}`,
      config: declaration.retryConfig,
      role: 'retry' as const,
    })),
    ...(declaration.dlq
      ? [{ ...base, name: `${declaration.name}.dlq`, config: declaration.dlqConfig, role: 'dlq' as const }]
      : []),
  ];
}

function acl(
  principal: string,
  resourceType: AclBinding['resourceType'],
  resourceName: string,
  patternType: AclBinding['patternType'],
  operation: AclBinding['operation'],
): AclBinding {
  return { principal, host: '*', resourceType, resourceName, patternType, operation, permission: 'allow' };
}

/**
 * The ACLs of one principal. Reading a topic includes what the @smis/messaging consumer does
 * with failures: read and write its retry topics, write its dead-letter topic. READ and WRITE
 * imply DESCRIBE in Kafka's authorizer, which is all the lag monitor needs.
 */
function aclsOf(declared: PrincipalDeclaration, topics: ReadonlyMap<string, TopicDeclaration>): AclBinding[] {
  const principal = principalOf(declared.user);
  const result: AclBinding[] = [];
  for (const pattern of declared.consumes) {
    if (pattern.prefixed) {
      result.push(acl(principal, 'topic', pattern.name, 'prefixed', 'read'));
      continue;
    }
    result.push(acl(principal, 'topic', pattern.name, 'literal', 'read'));
    const declaration = topics.get(pattern.name);
    if (declaration && declaration.retries > 0) {
      result.push(acl(principal, 'topic', `${pattern.name}.retry.`, 'prefixed', 'read'));
      result.push(acl(principal, 'topic', `${pattern.name}.retry.`, 'prefixed', 'write'));
    }
    if (declaration?.dlq) result.push(acl(principal, 'topic', `${pattern.name}.dlq`, 'literal', 'write'));
  }
  for (const pattern of declared.produces) {
    result.push(acl(principal, 'topic', pattern.name, pattern.prefixed ? 'prefixed' : 'literal', 'write'));
  }
  for (const pattern of declared.creates) {
    result.push(acl(principal, 'topic', pattern.name, pattern.prefixed ? 'prefixed' : 'literal', 'create'));
  }
  for (const group of declared.groupPrefixes) result.push(acl(principal, 'group', group, 'prefixed', 'read'));
  return result;
}

export function aclKey(binding: AclBinding): string {
  return [
    binding.principal,
    binding.permission,
    binding.operation,
    binding.resourceType,
    binding.patternType,
    binding.resourceName,
    binding.host,
  ].join('|');
}

/** Every topic, SCRAM user and ACL the spec asks for (passwords are resolved separately). */
export function desiredState(spec: ProvisioningSpec): DesiredState {
  const declarations = new Map<string, TopicDeclaration>(
    [...spec.topics, ...spec.senders.map((s) => s.statusTopic)].map((t) => [t.name, t]),
  );
  const topics = [
    ...expandTopic(spec.stateTopic, 'state'),
    ...spec.topics.flatMap((t) => expandTopic(t, 'topic')),
    ...spec.senders.flatMap((s) => expandTopic(s.statusTopic, 'status')),
  ];
  const principals: Array<[PrincipalDeclaration, string]> = [
    ...spec.senders.map((s): [PrincipalDeclaration, string] => [s, `sender ${s.id}`]),
    ...spec.services.map((s): [PrincipalDeclaration, string] => [s, `service ${s.name}`]),
  ];
  const acls = new Map<string, AclBinding>();
  for (const [declared] of principals)
    for (const binding of aclsOf(declared, declarations)) acls.set(aclKey(binding), binding);
  return {
    topics,
    users: principals.map(([declared, owner]) => ({
      user: declared.user,
      principal: principalOf(declared.user),
      owner,
    })),
    acls: [...acls.values()],
  };
}
