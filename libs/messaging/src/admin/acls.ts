import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
  type AclEntry,
  type AclFilter as ClientAclFilter,
} from 'kafkajs';
import { ConfigurationError, MessagingError } from '../errors';

export type AclResourceType = 'topic' | 'group' | 'cluster' | 'transactional-id';
/** `literal`: the exact name; `prefixed`: every name starting with it. */
export type AclPatternType = 'literal' | 'prefixed';
export type AclOperation =
  | 'all'
  | 'read'
  | 'write'
  | 'create'
  | 'delete'
  | 'alter'
  | 'describe'
  | 'cluster-action'
  | 'describe-configs'
  | 'alter-configs'
  | 'idempotent-write';
export type AclPermission = 'allow' | 'deny';

/** One access rule to create: `principal` may (or may not) do `operation` on a resource. */
export interface AclSpec {
  /** `User:<name>`, as the broker names an authenticated client. */
  principal: string;
  /** Client host the rule applies to (default `*`: any). */
  host?: string;
  resourceType: AclResourceType;
  /** Topic, group or transactional id (a prefix when `patternType` is `prefixed`); `kafka-cluster` for the cluster. */
  resourceName: string;
  /** Default `literal`. */
  patternType?: AclPatternType;
  operation: AclOperation;
  /** Default `allow`. */
  permission?: AclPermission;
}

/** An ACL as the broker reports it, every field set. */
export type AclBinding = Required<AclSpec>;

/**
 * Selects ACLs to describe or delete; an omitted field matches any value. `patternType: 'match'`
 * selects every rule that applies to `resourceName` (literal, prefixed or wildcard).
 */
export interface AclFilter {
  principal?: string;
  host?: string;
  resourceType?: AclResourceType;
  resourceName?: string;
  patternType?: AclPatternType | 'match';
  operation?: AclOperation;
  permission?: AclPermission;
}

/** ACL administration (a cluster with an authorizer, e.g. SASL mode); part of `TopicAdmin`. */
export interface AclAdmin {
  /** Creates the rules (creating an existing rule again changes nothing). */
  createAcls(acls: readonly AclSpec[]): Promise<void>;
  /** The rules matching `filter` (default: every rule). */
  describeAcls(filter?: AclFilter): Promise<AclBinding[]>;
  /**
   * Deletes the rules matching any filter and returns them. Each filter must name a principal or
   * a resource: an empty filter would delete every rule of the cluster.
   */
  deleteAcls(filters: readonly AclFilter[]): Promise<AclBinding[]>;
}

// The client's protocol codes, as data tables in both directions.
const RESOURCE_TYPES: Readonly<Record<AclResourceType, AclResourceTypes>> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
  'transactional-id': AclResourceTypes.TRANSACTIONAL_ID,
};
const PATTERN_TYPES: Readonly<Record<AclPatternType | 'match', ResourcePatternTypes>> = {
  literal: ResourcePatternTypes.LITERAL,
  prefixed: ResourcePatternTypes.PREFIXED,
  match: ResourcePatternTypes.MATCH,
};
const OPERATIONS: Readonly<Record<AclOperation, AclOperationTypes>> = {
  all: AclOperationTypes.ALL,
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  create: AclOperationTypes.CREATE,
  delete: AclOperationTypes.DELETE,
  alter: AclOperationTypes.ALTER,
  describe: AclOperationTypes.DESCRIBE,
  'cluster-action': AclOperationTypes.CLUSTER_ACTION,
  'describe-configs': AclOperationTypes.DESCRIBE_CONFIGS,
  'alter-configs': AclOperationTypes.ALTER_CONFIGS,
  'idempotent-write': AclOperationTypes.IDEMPOTENT_WRITE,
};
const PERMISSIONS: Readonly<Record<AclPermission, AclPermissionTypes>> = {
  allow: AclPermissionTypes.ALLOW,
  deny: AclPermissionTypes.DENY,
};

function invert<K extends string, V extends number>(table: Readonly<Record<K, V>>): ReadonlyMap<number, K> {
  return new Map(Object.entries(table).map(([name, code]) => [code as number, name as K]));
}
const RESOURCE_NAMES = invert(RESOURCE_TYPES);
const PATTERN_NAMES = invert<AclPatternType, ResourcePatternTypes>({
  literal: ResourcePatternTypes.LITERAL,
  prefixed: ResourcePatternTypes.PREFIXED,
});
const OPERATION_NAMES = invert(OPERATIONS);
const PERMISSION_NAMES = invert(PERMISSIONS);

function lookup<K extends string, V>(table: Readonly<Record<K, V>>, field: string, value: K): V {
  const code = (table as Record<string, V | undefined>)[value];
  if (code === undefined) {
    throw new ConfigurationError(
      `Invalid ACL ${field} '${String(value)}': expected one of ${Object.keys(table).join(', ')}`,
    );
  }
  return code;
}

function name<K extends string>(table: ReadonlyMap<number, K>, field: string, code: number): K {
  const found = table.get(code);
  if (found === undefined)
    throw new MessagingError(`The broker reported an ACL with unknown ${field} code ${code}`);
  return found;
}

export function toClientAcl(spec: AclSpec): AclEntry {
  if (!/^[A-Za-z]+:.+$/.test(spec.principal)) {
    throw new ConfigurationError(`Invalid ACL principal '${spec.principal}': expected 'User:<name>'`);
  }
  if (!spec.resourceName) throw new ConfigurationError('Invalid ACL: resourceName is empty');
  return {
    principal: spec.principal,
    host: spec.host ?? '*',
    resourceType: lookup(RESOURCE_TYPES, 'resourceType', spec.resourceType),
    resourceName: spec.resourceName,
    resourcePatternType: lookup(PATTERN_TYPES, 'patternType', spec.patternType ?? 'literal'),
    operation: lookup(OPERATIONS, 'operation', spec.operation),
    permissionType: lookup(PERMISSIONS, 'permission', spec.permission ?? 'allow'),
  };
}

export function toClientFilter(filter: AclFilter): ClientAclFilter {
  return {
    principal: filter.principal,
    host: filter.host,
    resourceType: filter.resourceType
      ? lookup(RESOURCE_TYPES, 'resourceType', filter.resourceType)
      : AclResourceTypes.ANY,
    resourceName: filter.resourceName,
    resourcePatternType: filter.patternType
      ? lookup(PATTERN_TYPES, 'patternType', filter.patternType)
      : ResourcePatternTypes.ANY,
    operation: filter.operation ? lookup(OPERATIONS, 'operation', filter.operation) : AclOperationTypes.ANY,
    permissionType: filter.permission
      ? lookup(PERMISSIONS, 'permission', filter.permission)
      : AclPermissionTypes.ANY,
  };
}

interface ClientBinding {
  principal: string;
  host: string;
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  operation: number;
  permissionType: number;
}

export function fromClientBinding(binding: ClientBinding): AclBinding {
  return {
    principal: binding.principal,
    host: binding.host,
    resourceType: name(RESOURCE_NAMES, 'resource type', binding.resourceType),
    resourceName: binding.resourceName,
    patternType: name(PATTERN_NAMES, 'pattern type', binding.resourcePatternType),
    operation: name(OPERATION_NAMES, 'operation', binding.operation),
    permission: name(PERMISSION_NAMES, 'permission', binding.permissionType),
  };
}

/** The broker answers SECURITY_DISABLED when it runs without an authorizer. */
function withoutAuthorizerHint<T>(operation: () => Promise<T>): Promise<T> {
  return operation().catch((error: unknown) => {
    if ((error as { type?: unknown } | undefined)?.type === 'SECURITY_DISABLED') {
      throw new ConfigurationError(
        'The cluster has no authorizer, so it keeps no ACLs (set authorizer.class.name, e.g. SASL mode: KAFKA_SASL=1)',
        { cause: error },
      );
    }
    throw error;
  });
}

/** The ACL half of the topic admin, over a connected client (`call` connects and translates errors). */
export function createAclAdmin(
  call: <T>(what: string, operation: (client: Admin) => Promise<T>) => Promise<T>,
): AclAdmin {
  return {
    async createAcls(acls) {
      if (acls.length === 0) return;
      const entries = acls.map(toClientAcl);
      await call('Could not create ACLs', (client) =>
        withoutAuthorizerHint(() => client.createAcls({ acl: entries })),
      );
    },

    async describeAcls(filter = {}) {
      const clientFilter = toClientFilter(filter);
      const answer = await call('Could not describe ACLs', (client) =>
        withoutAuthorizerHint(() => client.describeAcls(clientFilter)),
      );
      return answer.resources.flatMap((resource) =>
        resource.acls.map((acl) => fromClientBinding({ ...resource, ...acl })),
      );
    },

    async deleteAcls(filters) {
      if (filters.length === 0) return [];
      for (const filter of filters) {
        if (!filter.principal && !filter.resourceName) {
          throw new ConfigurationError(
            'Refusing to delete ACLs with a filter that names neither a principal nor a resource: it would delete every rule',
          );
        }
      }
      const clientFilters = filters.map(toClientFilter);
      const answer = await call('Could not delete ACLs', (client) =>
        withoutAuthorizerHint(() => client.deleteAcls({ filters: clientFilters })),
      );
      return answer.filterResponses.flatMap((response) => response.matchingAcls.map(fromClientBinding));
    },
  };
}
