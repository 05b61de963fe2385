import type { AclBinding } from '@smis/messaging';
import { ACTION, type Change, type ChangeAction, type ProvisioningPlan } from './plan';

const SIGN: Readonly<Record<ChangeAction, string>> = { create: '+', alter: '~', delete: '-' };

export function describeAcl(acl: AclBinding): string {
  const pattern = acl.patternType === 'prefixed' ? `${acl.resourceName}*` : acl.resourceName;
  const host = acl.host === '*' ? '' : ` from ${acl.host}`;
  return `${acl.principal} ${acl.permission} ${acl.operation} on ${acl.resourceType} ${pattern}${host}`;
}

function value(text: string | undefined): string {
  return text === undefined ? '(default)' : text;
}

/** One line per change: `+` create, `~` alter, `-` delete, then the resource and what changes. */
export function describeChange(change: Change): string {
  const sign = SIGN[ACTION[change.kind]];
  switch (change.kind) {
    case 'create-topic': {
      const config = Object.entries(change.topic.config)
        .map(([name, v]) => `${name}=${v}`)
        .join(' ');
      return `${sign} topic ${change.topic.name} (partitions=${change.topic.partitions} replicas=${change.topic.replicationFactor}${config ? ` ${config}` : ''})`;
    }
    case 'alter-topic-config':
      return `${sign} topic ${change.topic} ${change.changes.map((c) => `${c.name}: ${value(c.from)} → ${value(c.to)}`).join(', ')}`;
    case 'add-partitions':
      return `${sign} topic ${change.topic} partitions: ${change.from} → ${change.to}`;
    case 'delete-topic':
      return `${sign} topic ${change.topic} (no longer declared; deleting it deletes its records)`;
    case 'create-user':
      return `${sign} user ${change.user} (${change.owner})`;
    case 'set-password':
      return `${sign} user ${change.user} password (${change.reason})`;
    case 'delete-user':
      return `${sign} user ${change.user} (no longer declared)`;
    case 'create-acl':
    case 'delete-acl':
      return `${sign} acl ${describeAcl(change.acl)}`;
  }
}

export function summarizePlan(plan: ProvisioningPlan): string {
  const { create, alter, delete: remove } = plan.counts;
  const total = plan.changes.length;
  const head =
    total === 0
      ? 'No changes: the cluster matches the file (0 changes).'
      : `${total} changes: ${create} to create, ${alter} to alter, ${remove} to delete.`;
  const blocked = plan.blocked.length > 0 ? ` ${plan.blocked.length} blocked.` : '';
  const skipped = plan.skipped.length > 0 ? ` Not checked: ${plan.skipped.join(', ')}.` : '';
  return `${head}${blocked}${skipped}`;
}

/** The plan as text: every change, every blocked difference, and a summary line. */
export function formatPlan(plan: ProvisioningPlan): string {
  const lines = plan.changes.map(describeChange);
  for (const reason of plan.blocked) lines.push(`! ${reason}`);
  lines.push(summarizePlan(plan));
  return lines.join('\n');
}
