import type { AclBinding } from '@smis/messaging';
import { desiredState, principalOf, type DesiredState } from '../desired/desired-state';
import { PlanRefusedError } from '../errors';
import {
  planChanges,
  type Change,
  type ClusterSnapshot,
  type ExistingTopic,
  type ProvisioningPlan,
  type ProvisioningState,
  type ResourceKind,
} from '../plan/plan';
import { describeChange } from '../plan/format-plan';
import type { ProvisioningSpec } from '../spec/provisioning-spec';
import { fingerprintPassword } from '../state/fingerprint';
import type { ProvisioningStateStore, StateUpdate } from '../state/state-store';
import type { ProvisioningAdmin, ScramUserAdmin } from './ports';

export interface ProvisionerDependencies {
  admin: ProvisioningAdmin;
  /** Without it, SCRAM users are not looked at (reported as skipped). */
  scram?: ScramUserAdmin;
  state: ProvisioningStateStore;
  /** Progress while applying, one line per change. */
  log?: (line: string) => void;
}

export interface PlanOptions {
  skip?: readonly ResourceKind[];
}

export interface ApplyOptions {
  /** Topics no longer declared are deleted only when this is set: their records go with them. */
  allowTopicDeletion?: boolean;
}

/** What `plan` computed, kept for `apply`. */
export interface PreparedPlan {
  plan: ProvisioningPlan;
  desired: DesiredState;
  passwords: ReadonlyMap<string, string>;
}

export interface Provisioner {
  /** Reads the cluster and the state and computes the changes; changes nothing. */
  plan(
    spec: ProvisioningSpec,
    passwords: ReadonlyMap<string, string>,
    options?: PlanOptions,
  ): Promise<PreparedPlan>;
  /** Applies a plan; refuses (changing nothing) when it has blocked differences or unallowed deletions. */
  apply(prepared: PreparedPlan, options?: ApplyOptions): Promise<void>;
}

async function readCluster(
  admin: ProvisioningAdmin,
  scram: ScramUserAdmin | undefined,
  desired: DesiredState,
  state: ProvisioningState,
  skip: readonly ResourceKind[],
): Promise<ClusterSnapshot> {
  const topics = new Map<string, ExistingTopic>();
  if (!skip.includes('topics')) {
    const existing = new Set(await admin.listTopics());
    const names = [...new Set([...desired.topics.map((t) => t.name), ...state.topics])].filter((n) =>
      existing.has(n),
    );
    if (names.length > 0) {
      const [descriptions, configs] = await Promise.all([
        admin.describeTopics(names),
        admin.describeTopicConfigs(names),
      ]);
      const overrides = new Map(
        configs.map((c) => [
          c.topic,
          Object.fromEntries(
            c.entries.filter((e) => e.source === 'topic').map((e) => [e.name, e.value ?? '']),
          ),
        ]),
      );
      for (const description of descriptions) {
        topics.set(description.topic, {
          partitions: description.partitions.length,
          replicationFactor: Math.max(0, ...description.partitions.map((p) => p.replicas.length)),
          overrides: overrides.get(description.topic) ?? {},
        });
      }
    }
  }
  let acls: AclBinding[] = [];
  if (!skip.includes('acls')) {
    const managed = new Set([
      ...desired.users.map((u) => u.principal),
      ...[...state.users.keys()].map(principalOf),
    ]);
    acls = (await admin.describeAcls()).filter((binding) => managed.has(binding.principal));
  }
  const scramUsers = skip.includes('users') || !scram ? undefined : new Set(await scram.listUsers());
  return { topics, acls, scramUsers };
}

function now(): string {
  return new Date().toISOString();
}

export function createProvisioner({
  admin,
  scram,
  state,
  log = () => undefined,
}: ProvisionerDependencies): Provisioner {
  return {
    async plan(spec, passwords, options = {}) {
      const skip = [...(options.skip ?? [])];
      if (!scram && !skip.includes('users')) skip.push('users');
      const desired = desiredState(spec);
      const current = await state.load();
      const cluster = await readCluster(admin, scram, desired, current, skip);
      return { plan: planChanges({ desired, passwords, cluster, state: current, skip }), desired, passwords };
    },

    async apply({ plan, passwords }, options = {}) {
      const refusals = [...plan.blocked];
      const deletions = plan.changes.filter((c) => c.kind === 'delete-topic');
      if (deletions.length > 0 && !options.allowTopicDeletion) {
        refusals.push(
          `${deletions.length} topics are no longer declared (${deletions.map((c) => (c as { topic: string }).topic).join(', ')}): deleting them deletes their records; pass --allow-topic-deletion, or declare them again`,
        );
      }
      if (refusals.length > 0) throw new PlanRefusedError(refusals);

      const byKind = <K extends Change['kind']>(kind: K): Array<Extract<Change, { kind: K }>> =>
        plan.changes.filter((c): c is Extract<Change, { kind: K }> => c.kind === kind);
      const done = (change: Change): void => log(describeChange(change));

      // Topics first: ACLs and users may refer to them.
      const creates = byKind('create-topic');
      if (creates.length > 0) {
        await admin.ensureTopics(
          creates.map(({ topic }) => ({
            topic: topic.name,
            numPartitions: topic.partitions,
            replicationFactor: topic.replicationFactor,
            configEntries: topic.config,
          })),
        );
        creates.forEach(done);
      }
      const adopted = [...creates.map((c) => c.topic.name), ...plan.adopt];
      await state.save(
        adopted.map((name): StateUpdate => ({ kind: 'topic', name, value: { appliedAt: now() } })),
      );
      for (const change of byKind('add-partitions')) {
        await admin.createPartitions(change.topic, change.to);
        done(change);
      }
      const alters = byKind('alter-topic-config');
      if (alters.length > 0) {
        await admin.alterTopicConfigs(alters.map((c) => ({ topic: c.topic, configs: c.config })));
        alters.forEach(done);
      }

      // Users one by one, each recorded as soon as it is set: a failure half-way loses nothing.
      for (const change of [...byKind('create-user'), ...byKind('set-password')]) {
        const password = passwords.get(change.user);
        if (!scram || password === undefined)
          throw new TypeError(`apply: cannot set the password of ${change.user}`);
        await scram.apply([{ user: change.user, password }]);
        await state.save([
          {
            kind: 'user',
            name: change.user,
            value: { ...fingerprintPassword(change.user, password), appliedAt: now() },
          },
        ]);
        done(change);
      }

      const grants = byKind('create-acl');
      if (grants.length > 0) {
        await admin.createAcls(grants.map((c) => c.acl));
        grants.forEach(done);
      }
      const revocations = byKind('delete-acl');
      if (revocations.length > 0) {
        await admin.deleteAcls(revocations.map((c) => ({ ...c.acl })));
        revocations.forEach(done);
      }

      for (const change of byKind('delete-user')) {
        if (!scram) throw new TypeError(`apply: cannot delete ${change.user} without a SCRAM admin`);
        await scram.apply([{ user: change.user, remove: true }]);
        await state.save([{ kind: 'user', name: change.user, value: null }]);
        done(change);
      }
      if (deletions.length > 0) {
        const names = deletions.map((c) => (c as { topic: string }).topic);
        await admin.deleteTopics(names);
        await state.save(names.map((name): StateUpdate => ({ kind: 'topic', name, value: null })));
        deletions.forEach(done);
      }
      await state.save([
        ...plan.forget.topics.map((name): StateUpdate => ({ kind: 'topic', name, value: null })),
        ...plan.forget.users.map((name): StateUpdate => ({ kind: 'user', name, value: null })),
      ]);
    },
  };
}
