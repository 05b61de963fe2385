import { readFileSync } from 'node:fs';
import { createKafka, silentLogger, type KafkaClient } from '@smis/messaging';
import {
  createProvisioner,
  describeChange,
  formatPlan,
  KafkaStateStore,
  parseProvisioningSpec,
  resolvePasswords,
  summarizePlan,
  type ProvisioningPlan,
  type ResourceKind,
  type ScramUserAdmin,
} from '@smis/provisioning';
import { EXIT, type ExitCode } from '../exit-codes';
import { CliError, type CliIo } from '../io';
import {
  clusterAccess,
  kafkaConnection,
  type ClusterAccess,
  type ConnectionFlags,
} from '../kafka/connection-options';
import { configCommandScramAdmin, findKafkaLibs, KAFKA_LIBS_HELP } from '../scram/config-command-scram-admin';

export interface ApplyFlags extends ConnectionFlags {
  dryRun?: boolean;
  exitCode?: boolean;
  profile?: string;
  skip?: ResourceKind[];
  allowTopicDeletion?: boolean;
  output?: 'text' | 'json';
  kafkaLibs?: string;
}

/** What the apply command needs from outside; tests replace the SCRAM admin or the client. */
export interface ApplyDependencies {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  createClient?: (access: ClusterAccess) => KafkaClient;
  createScramAdmin?: (access: ClusterAccess, kafkaLibs: string | undefined) => ScramUserAdmin;
}

export const RESOURCE_KINDS: readonly ResourceKind[] = ['topics', 'users', 'acls'];

function readSpecFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, EXIT.failure);
  }
}

function asJson(plan: ProvisioningPlan, applied: boolean): string {
  return `${JSON.stringify(
    {
      applied,
      changes: plan.changes.map((change) => ({ kind: change.kind, description: describeChange(change) })),
      counts: { ...plan.counts, total: plan.changes.length },
      blocked: plan.blocked,
      skipped: plan.skipped,
    },
    null,
    2,
  )}\n`;
}

/** `smis admin apply <file>`: plans the file against the cluster, then applies it unless --dry-run. */
export async function runApply(file: string, flags: ApplyFlags, deps: ApplyDependencies): Promise<ExitCode> {
  const { io, env } = deps;
  const spec = parseProvisioningSpec(readSpecFile(file), file, { profile: flags.profile });
  const skip = flags.skip ?? [];
  // Passwords are needed even for a dry run: whether a password changed is part of the plan.
  const passwords = skip.includes('users') ? new Map<string, string>() : resolvePasswords(spec, { env });
  const access = clusterAccess(flags, env);
  const client =
    deps.createClient?.(access) ??
    createKafka({ ...kafkaConnection(access, 'smis-cli'), logger: silentLogger });
  let scram: ScramUserAdmin | undefined;
  if (!skip.includes('users')) {
    const libs = findKafkaLibs(flags.kafkaLibs, env);
    if (deps.createScramAdmin) scram = deps.createScramAdmin(access, libs);
    else if (!libs)
      throw new CliError(
        `Cannot manage SCRAM users: Kafka's jars were not found.${KAFKA_LIBS_HELP}\nOr pass --skip users.`,
        EXIT.failure,
      );
    else scram = configCommandScramAdmin({ access, libs });
  }

  const admin = client.admin();
  try {
    const provisioner = createProvisioner({
      admin,
      scram,
      state: new KafkaStateStore(client, spec.stateTopic.name),
      log: (line) => io.stderr(`applied ${line}\n`),
    });
    const prepared = await provisioner.plan(spec, passwords, { skip });
    const { plan } = prepared;
    const drift = plan.changes.length > 0 || plan.blocked.length > 0;
    if (flags.dryRun) {
      io.stdout(flags.output === 'json' ? asJson(plan, false) : `${formatPlan(plan)}\n`);
      return drift && flags.exitCode ? EXIT.drift : EXIT.ok;
    }
    if (flags.output !== 'json') io.stdout(`${formatPlan(plan)}\n`);
    await provisioner.apply(prepared, { allowTopicDeletion: flags.allowTopicDeletion });
    if (flags.output === 'json') io.stdout(asJson(plan, true));
    else if (plan.changes.length > 0) io.stdout(`Applied. ${summarizePlan(plan).replace(/ to /g, ' ')}\n`);
    return EXIT.ok;
  } finally {
    await admin.disconnect();
  }
}
