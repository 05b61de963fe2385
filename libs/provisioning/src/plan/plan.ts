import type { AclBinding } from '@smis/messaging';
import { aclKey, type DesiredState, type DesiredTopic } from '../desired/desired-state';
import { matchesFingerprint, type PasswordFingerprint } from '../state/fingerprint';

/** A topic as the cluster has it. */
export interface ExistingTopic {
  partitions: number;
  replicationFactor: number;
  /** Settings set on the topic itself (not inherited from the broker). */
  overrides: Record<string, string>;
}

/** What the cluster has, as far as the plan needs to know. */
export interface ClusterSnapshot {
  /** Declared and managed topics that exist. */
  topics: ReadonlyMap<string, ExistingTopic>;
  /** ACLs of the principals the file manages (other principals' rules are never touched). */
  acls: readonly AclBinding[];
  /** SCRAM users that exist; `undefined` when users were not read (skipped). */
  scramUsers: ReadonlySet<string> | undefined;
}

/** What earlier runs applied: the topics and users they manage, with password fingerprints. */
export interface ProvisioningState {
  topics: ReadonlySet<string>;
  users: ReadonlyMap<string, PasswordFingerprint>;
}

export interface ConfigChange {
  name: string;
  /** `undefined`: not set on the topic. */
  from: string | undefined;
  /** `undefined`: the override is removed (the broker default applies). */
  to: string | undefined;
}

export type Change =
  | { kind: 'create-topic'; topic: DesiredTopic }
  | { kind: 'alter-topic-config'; topic: string; config: Record<string, string>; changes: ConfigChange[] }
  | { kind: 'add-partitions'; topic: string; from: number; to: number }
  | { kind: 'delete-topic'; topic: string }
  | { kind: 'create-user'; user: string; owner: string }
  | { kind: 'set-password'; user: string; owner: string; reason: string }
  | { kind: 'delete-user'; user: string }
  | { kind: 'create-acl'; acl: AclBinding }
  | { kind: 'delete-acl'; acl: AclBinding };

export type ChangeAction = 'create' | 'alter' | 'delete';

export const ACTION: Readonly<Record<Change['kind'], ChangeAction>> = {
  'create-topic': 'create',
  'alter-topic-config': 'alter',
  'add-partitions': 'alter',
  'delete-topic': 'delete',
  'create-user': 'create',
  'set-password': 'alter',
  'delete-user': 'delete',
  'create-acl': 'create',
  'delete-acl': 'delete',
};

export type ResourceKind = 'topics' | 'users' | 'acls';

export interface ProvisioningPlan {
  changes: Change[];
  /** Differences Kafka cannot apply in place (replication factor, fewer partitions); apply refuses them. */
  blocked: string[];
  /** Declared topics that exist but are not yet recorded as managed: recorded on apply, not a change. */
  adopt: string[];
  /** Recorded topics and users that are neither declared nor in the cluster any more: forgotten on apply. */
  forget: { topics: string[]; users: string[] };
  /** Kinds of resources the plan did not look at. */
  skipped: ResourceKind[];
  counts: Record<ChangeAction, number>;
}

export interface PlanInput {
  desired: DesiredState;
  /** Resolved password by user name. */
  passwords: ReadonlyMap<string, string>;
  cluster: ClusterSnapshot;
  state: ProvisioningState;
  skip?: readonly ResourceKind[];
}

function configChanges(desired: Record<string, string>, actual: Record<string, string>): ConfigChange[] {
  const names = [...new Set([...Object.keys(desired), ...Object.keys(actual)])].sort();
  return names
    .filter((name) => desired[name] !== actual[name])
    .map((name) => ({ name, from: actual[name], to: desired[name] }));
}

/** The difference between the desired state and the cluster: a pure function, so it is tested without a broker. */
export function planChanges({ desired, passwords, cluster, state, skip = [] }: PlanInput): ProvisioningPlan {
  const changes: Change[] = [];
  const blocked: string[] = [];
  const adopt: string[] = [];
  const forget = { topics: [] as string[], users: [] as string[] };

  if (!skip.includes('topics')) {
    const wanted = new Set(desired.topics.map((t) => t.name));
    for (const topic of desired.topics) {
      const existing = cluster.topics.get(topic.name);
      if (!existing) {
        changes.push({ kind: 'create-topic', topic });
        continue;
      }
      if (!state.topics.has(topic.name)) adopt.push(topic.name);
      if (existing.replicationFactor !== topic.replicationFactor) {
        blocked.push(
          `topic ${topic.name}: replication factor ${existing.replicationFactor} → ${topic.replicationFactor} needs a partition reassignment (docs/operations.md, "Recovering from a broker loss")`,
        );
      }
      if (existing.partitions > topic.partitions) {
        blocked.push(
          `topic ${topic.name}: ${existing.partitions} → ${topic.partitions} partitions, but Kafka cannot remove partitions (keep ${existing.partitions} in the file)`,
        );
      } else if (existing.partitions < topic.partitions) {
        changes.push({
          kind: 'add-partitions',
          topic: topic.name,
          from: existing.partitions,
          to: topic.partitions,
        });
      }
      const differences = configChanges(topic.config, existing.overrides);
      if (differences.length > 0)
        changes.push({
          kind: 'alter-topic-config',
          topic: topic.name,
          config: topic.config,
          changes: differences,
        });
    }
    for (const name of [...state.topics].sort()) {
      if (wanted.has(name)) continue;
      if (cluster.topics.has(name)) changes.push({ kind: 'delete-topic', topic: name });
      else forget.topics.push(name);
    }
  }

  if (!skip.includes('users') && cluster.scramUsers) {
    const wanted = new Set(desired.users.map((u) => u.user));
    for (const { user, owner } of desired.users) {
      const password = passwords.get(user);
      if (password === undefined) throw new TypeError(`planChanges: no password resolved for ${user}`);
      const fingerprint = state.users.get(user);
      if (!cluster.scramUsers.has(user)) changes.push({ kind: 'create-user', user, owner });
      else if (!fingerprint)
        changes.push({ kind: 'set-password', user, owner, reason: 'exists, but was not set by this tool' });
      else if (!matchesFingerprint(user, password, fingerprint))
        changes.push({ kind: 'set-password', user, owner, reason: 'password changed' });
    }
    for (const user of [...state.users.keys()].sort()) {
      if (wanted.has(user)) continue;
      if (cluster.scramUsers.has(user)) changes.push({ kind: 'delete-user', user });
      else forget.users.push(user);
    }
  }

  if (!skip.includes('acls')) {
    const existing = new Map(cluster.acls.map((binding) => [aclKey(binding), binding]));
    const wanted = new Map(desired.acls.map((binding) => [aclKey(binding), binding]));
    for (const [key, binding] of wanted)
      if (!existing.has(key)) changes.push({ kind: 'create-acl', acl: binding });
    for (const [key, binding] of existing)
      if (!wanted.has(key)) changes.push({ kind: 'delete-acl', acl: binding });
  }

  const counts: Record<ChangeAction, number> = { create: 0, alter: 0, delete: 0 };
  for (const change of changes) counts[ACTION[change.kind]]++;
  return { changes, blocked, adopt, forget, skipped: [...skip], counts };
}

export function changeCount(plan: ProvisioningPlan): number {
  return plan.changes.length;
}
