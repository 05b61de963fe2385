import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { libDir, startLocalKafka, type LocalKafkaCluster } from '@smis/kafka-local';
import { AuthorizationError, createKafka, silentLogger, type KafkaClient } from '@smis/messaging';
import { desiredState, parseProvisioningSpec } from '@smis/provisioning';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const PLATFORM_YAML = path.join(ROOT, 'deploy/provisioning/platform.yaml');
const CLI = path.join(ROOT, 'apps/cli/src/main.ts');
const run = promisify(execFile);

interface JsonPlan {
  applied: boolean;
  changes: Array<{ kind: string; description: string }>;
  counts: { create: number; alter: number; delete: number; total: number };
  blocked: string[];
}

/** The environment variable that holds each user's password, as the file names them. */
function passwordVariables(file: string): Map<string, string> {
  const spec = parseProvisioningSpec(readFileSync(file, 'utf8'), file);
  return new Map(
    [...spec.senders, ...spec.services].flatMap((declared) =>
      'env' in declared.password ? [[declared.user, declared.password.env] as [string, string]] : [],
    ),
  );
}

// One SASL/SCRAM cluster with ACLs for this file: `smis admin apply` of the real platform.yaml.
describe('smis admin apply deploy/provisioning/platform.yaml (SASL cluster with ACLs)', () => {
  let cluster: LocalKafkaCluster;
  let env: NodeJS.ProcessEnv;
  const clients: KafkaClient[] = [];
  const variables = passwordVariables(PLATFORM_YAML);

  // The CLI as operators run it: its own process, its exit code.
  const smis = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        [path.join(ROOT, 'tools/run-ts.cjs'), CLI, ...argv],
        {
          env: { ...process.env, ...env },
          cwd: ROOT,
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };
  const plan = async (file: string): Promise<{ code: number; plan: JsonPlan }> => {
    const result = await smis(
      'admin',
      'apply',
      file,
      '--profile',
      'local',
      '--dry-run',
      '--exit-code',
      '--output',
      'json',
    );
    expect(result.stderr).toBe('');
    return { code: result.code, plan: JSON.parse(result.stdout) as JsonPlan };
  };
  const clientAs = (user: string): KafkaClient => {
    const client = createKafka({
      brokers: cluster.brokers,
      clientId: `deploy-test-${user}`,
      sasl: { username: user, password: env[variables.get(user) as string] as string },
      logger: silentLogger,
      retry: { retries: 0 },
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cluster = await startLocalKafka({ sasl: true, heap: '384m' });
    const admin = cluster.admin as NonNullable<LocalKafkaCluster['admin']>;
    env = {
      KAFKA_BROKERS: cluster.bootstrap,
      KAFKA_SASL_USERNAME: admin.username,
      KAFKA_SASL_PASSWORD: admin.password,
      SMIS_KAFKA_LIBS: libDir(),
      ...Object.fromEntries([...variables].map(([user, variable]) => [variable, `${user}-first-0123456789`])),
    };
  });

  afterAll(async () => {
    for (const client of clients) await client.admin().disconnect();
    await cluster?.stop();
  });

  it('creates every topic, user and ACL of the file on an empty cluster', async () => {
    const desired = desiredState(
      parseProvisioningSpec(readFileSync(PLATFORM_YAML, 'utf8'), PLATFORM_YAML, { profile: 'local' }),
    );
    const before = await plan(PLATFORM_YAML);
    expect(before.code).toBe(3);
    expect(before.plan.counts).toEqual({
      create: desired.topics.length + desired.users.length + desired.acls.length,
      alter: 0,
      delete: 0,
      total: desired.topics.length + desired.users.length + desired.acls.length,
    });

    const applied = await smis('admin', 'apply', PLATFORM_YAML, '--profile', 'local');
    expect(applied.stderr).not.toMatch(/^smis:/m);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`Applied. ${before.plan.counts.total} changes`);

    const admin = createKafka({
      brokers: cluster.brokers,
      clientId: 'deploy-test-admin',
      sasl: { username: env.KAFKA_SASL_USERNAME as string, password: env.KAFKA_SASL_PASSWORD as string },
      logger: silentLogger,
    });
    clients.push(admin);
    const topics = await admin.admin().listTopics();
    expect(topics).toEqual(expect.arrayContaining(desired.topics.map((t) => t.name)));
    const [requests] = await admin.admin().describeTopics(['smis.requests.v1']);
    expect(requests.partitions).toHaveLength(12);
    const [preferences] = await admin.admin().describeTopicConfigs(['smis.preferences.v1']);
    expect(preferences.entries.find((e) => e.name === 'cleanup.policy')).toMatchObject({
      value: 'compact',
      source: 'topic',
    });
    expect(await admin.admin().describeAcls({ principal: 'User:smis-router' })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          resourceType: 'topic',
          resourceName: 'smis.requests.v1',
          operation: 'read',
        }),
        expect.objectContaining({
          resourceType: 'group',
          resourceName: 'smis-router',
          patternType: 'prefixed',
        }),
      ]),
    );
  });

  it('changes nothing when run again', async () => {
    const again = await plan(PLATFORM_YAML);
    expect(again.plan.counts.total).toBe(0);
    expect(again.code).toBe(0);
    const applied = await smis('admin', 'apply', PLATFORM_YAML, '--profile', 'local');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('No changes: the cluster matches the file (0 changes).');
  });

  it('lets each user do its job and nothing more', async () => {
    const router = clientAs('smis-router').producer();
    const taxOffice = clientAs('tax-office');
    try {
      await router.send('smis.channel.app.v1', [{ key: 'm-1', value: Buffer.from('job') }]);
      await expect(
        router.send('smis.requests.v1', [{ key: 'm-2', value: Buffer.from('x') }]),
      ).rejects.toThrow(AuthorizationError);
    } finally {
      await router.disconnect();
    }
    const senderAdmin = taxOffice.admin();
    expect(await senderAdmin.fetchTopicOffsets('smis.status.tax-office.v1')).toHaveLength(3);
    // Another sender's statuses are not its business.
    await expect(senderAdmin.fetchTopicOffsets('smis.status.crisis-centre.v1')).rejects.toThrow(
      AuthorizationError,
    );
  });

  it('shows and applies only the difference of a changed file', async () => {
    const document = parse(readFileSync(PLATFORM_YAML, 'utf8')) as {
      topics: Array<{ name: string; config?: Record<string, unknown> }>;
      senders: Array<Record<string, unknown>>;
      services: Array<{ name: string }>;
    };
    const events = document.topics.find((t) => t.name === 'smis.events.v1');
    (events as { config: Record<string, unknown> }).config['retention.ms'] = 2419200000;
    document.senders.push({
      id: 'health-portal',
      password: { env: 'SMIS_KAFKA_PASSWORD_SENDER_HEALTH_PORTAL' },
      produces: ['smis.requests.v1'],
    });
    document.services = document.services.filter((s) => s.name !== 'platform-audit');
    const changed = path.join(os.tmpdir(), `platform-changed-${process.pid}.yaml`);
    writeFileSync(changed, stringify(document));
    env.SMIS_KAFKA_PASSWORD_SENDER_HEALTH_PORTAL = 'health-portal-first-0123456789';
    env.SMIS_KAFKA_PASSWORD_ROUTER = 'smis-router-rotated-0123456789'; // a rotated password

    const { code, plan: difference } = await plan(changed);
    expect(code).toBe(3);
    expect(difference.changes.map((c) => c.description).sort()).toEqual(
      [
        '+ topic smis.status.health-portal.v1 (partitions=3 replicas=1 min.insync.replicas=1 retention.ms=1209600000)',
        '~ topic smis.events.v1 retention.ms: 1209600000 → 2419200000',
        '+ user health-portal (sender health-portal)',
        '~ user smis-router password (password changed)',
        '- user smis-platform-audit (no longer declared)',
        '+ acl User:health-portal allow read on topic smis.status.health-portal.v1',
        '+ acl User:health-portal allow write on topic smis.requests.v1',
        '+ acl User:health-portal allow read on group health-portal.*',
        '- acl User:smis-platform-audit allow read on topic smis.enrolment.audit.v1',
        '- acl User:smis-platform-audit allow read on topic smis.enrolment.audit.v1.retry.*',
        '- acl User:smis-platform-audit allow write on topic smis.enrolment.audit.v1.retry.*',
        '- acl User:smis-platform-audit allow write on topic smis.enrolment.audit.v1.dlq',
        '- acl User:smis-platform-audit allow read on group smis-platform-audit*',
      ].sort(),
    );

    const applied = await smis('admin', 'apply', changed, '--profile', 'local');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied. 13 changes: 5 create, 2 alter, 6 delete.');
    expect((await plan(changed)).plan.counts.total).toBe(0);

    // The rotated password is the one that works now.
    const router = clientAs('smis-router').producer();
    try {
      await router.send('smis.channel.sms.v1', [{ key: 'm-3', value: Buffer.from('job') }]);
    } finally {
      await router.disconnect();
    }
  });
});
