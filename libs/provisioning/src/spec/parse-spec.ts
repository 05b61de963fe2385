import path from 'node:path';
import { isValidSenderId, statusTopic } from '@smis/contracts';
import { parse as parseYaml } from 'yaml';
import { ProvisioningSpecError } from '../errors';
import type {
  PasswordReference,
  PrincipalDeclaration,
  ProvisioningSpec,
  SenderDeclaration,
  ServiceDeclaration,
  TopicDeclaration,
  TopicPattern,
} from './provisioning-spec';

const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
/** SCRAM user names (what ConfigCommand and Strimzi accept) and group prefixes. */
const USER_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
const GROUP_PREFIX = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONFIG_KEY = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;

export const DEFAULT_STATE_TOPIC = 'smis.provisioning.state.v1';

type Json = Record<string, unknown>;

/** Collects every problem of the file, each with its path, instead of stopping at the first. */
class Checker {
  readonly problems: string[] = [];

  fail(at: string, message: string): undefined {
    this.problems.push(`${at}: ${message}`);
    return undefined;
  }

  object(value: unknown, at: string, keys: readonly string[]): Json | undefined {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) return this.fail(at, 'must be a mapping');
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.fail(`${at}.${key}`, `unknown key (expected one of ${keys.join(', ')})`);
    }
    return value as Json;
  }

  list(value: unknown, at: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return this.fail(at, 'must be a list') ?? [];
    return value;
  }

  integer(value: unknown, at: string, fallback: number, min = 1, max = 10_000): number {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      this.fail(at, `must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
      return fallback;
    }
    return value as number;
  }

  boolean(value: unknown, at: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') return this.fail(at, 'must be true or false') ?? fallback;
    return value;
  }

  string(value: unknown, at: string, pattern: RegExp, what: string): string | undefined {
    if (typeof value !== 'string' || !pattern.test(value))
      return this.fail(at, `must be ${what}, not ${JSON.stringify(value)}`);
    return value;
  }

  /** Kafka settings: numbers and booleans are written as Kafka expects them, as strings. */
  config(value: unknown, at: string): Record<string, string> {
    const object = this.object(value, at, Object.keys((value as Json | undefined) ?? {}));
    const result: Record<string, string> = {};
    for (const [key, raw] of Object.entries(object ?? {})) {
      if (!CONFIG_KEY.test(key)) this.fail(`${at}.${key}`, 'is not a Kafka topic setting name');
      else if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean')
        result[key] = String(raw);
      else this.fail(`${at}.${key}`, 'must be a string, number or boolean');
    }
    return result;
  }
}

interface TopicDefaults {
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
  retries: number;
  retryConfig: Record<string, string>;
  dlq: boolean;
  dlqConfig: Record<string, string>;
}

const TOPIC_KEYS = [
  'name',
  'partitions',
  'replicationFactor',
  'compacted',
  'config',
  'retries',
  'dlq',
  'description',
];
const SETTINGS_KEYS = ['partitions', 'replicationFactor', 'compacted', 'config', 'retries', 'dlq'];

function topicDeclaration(
  check: Checker,
  raw: Json,
  at: string,
  name: string,
  defaults: TopicDefaults,
): TopicDeclaration {
  const compacted = check.boolean(raw.compacted, `${at}.compacted`, false);
  const declaration: TopicDeclaration = {
    name,
    partitions: check.integer(raw.partitions, `${at}.partitions`, defaults.partitions),
    replicationFactor: check.integer(
      raw.replicationFactor,
      `${at}.replicationFactor`,
      defaults.replicationFactor,
      1,
      32,
    ),
    config: {
      ...defaults.config,
      ...(compacted ? { 'cleanup.policy': 'compact' } : {}),
      ...check.config(raw.config, `${at}.config`),
    },
    retries: check.integer(raw.retries, `${at}.retries`, defaults.retries, 0, 20),
    retryConfig: defaults.retryConfig,
    dlq: check.boolean(raw.dlq, `${at}.dlq`, defaults.dlq),
    dlqConfig: defaults.dlqConfig,
  };
  return declaration;
}

function passwordReference(check: Checker, value: unknown, at: string): PasswordReference {
  const raw = check.object(value, at, ['env', 'file']) ?? {};
  const hasEnv = raw.env !== undefined;
  const hasFile = raw.file !== undefined;
  if (hasEnv === hasFile) {
    check.fail(
      at,
      'give exactly one of env (a variable name) or file (a path); passwords never go in this file',
    );
    return { env: 'UNSET' };
  }
  if (hasEnv)
    return { env: check.string(raw.env, `${at}.env`, ENV_NAME, 'an environment variable name') ?? 'UNSET' };
  if (typeof raw.file !== 'string' || raw.file === '') check.fail(`${at}.file`, 'must be a path');
  return { file: String(raw.file) };
}

function topicPatterns(check: Checker, value: unknown, at: string): TopicPattern[] {
  return check.list(value, at).flatMap((entry, index) => {
    const where = `${at}[${index}]`;
    if (typeof entry !== 'string')
      return check.fail(where, 'must be a topic name or a prefix ending in *') ?? [];
    const prefixed = entry.endsWith('*');
    const name = prefixed ? entry.slice(0, -1) : entry;
    if (!KAFKA_TOPIC.test(name))
      return check.fail(where, `${JSON.stringify(entry)} is not a topic name or prefix`) ?? [];
    return [{ name, prefixed }];
  });
}

function principal(
  check: Checker,
  raw: Json,
  at: string,
  defaultUser: string,
  defaultGroup: string,
): PrincipalDeclaration {
  const user =
    raw.user === undefined
      ? defaultUser
      : check.string(raw.user, `${at}.user`, USER_NAME, 'a user name of a-z, 0-9, ".", "_", "-"');
  const groups = raw.groups === undefined ? [defaultGroup] : check.list(raw.groups, `${at}.groups`);
  return {
    user: user ?? defaultUser,
    password: passwordReference(check, raw.password, `${at}.password`),
    consumes: topicPatterns(check, raw.consumes, `${at}.consumes`),
    produces: topicPatterns(check, raw.produces, `${at}.produces`),
    creates: topicPatterns(check, raw.creates, `${at}.creates`),
    groupPrefixes: groups.flatMap(
      (group, index) =>
        check.string(group, `${at}.groups[${index}]`, GROUP_PREFIX, 'a consumer group id prefix') ?? [],
    ),
  };
}

/** Parses and validates a provisioning file, filling in defaults. Throws `ProvisioningSpecError` listing every problem. */
export interface ParseOptions {
  /** A profile of the file's `profiles` to apply (e.g. `local` for a one-node broker). */
  profile?: string;
}

export function parseProvisioningSpec(
  text: string,
  source = 'provisioning file',
  options: ParseOptions = {},
): ProvisioningSpec {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new ProvisioningSpecError(source, [`not valid YAML: ${(error as Error).message}`]);
  }
  const check = new Checker();
  const root =
    check.object(document, '$', [
      'version',
      'cluster',
      'defaults',
      'profiles',
      'state',
      'topics',
      'senders',
      'services',
    ]) ?? {};
  if (root.version !== 1) check.fail('$.version', 'must be 1');
  const clusterName =
    check.string(root.cluster ?? 'smis', '$.cluster', USER_NAME, 'the Strimzi Kafka resource name') ?? 'smis';

  const rawDefaults =
    check.object(root.defaults, '$.defaults', [
      'partitions',
      'replicationFactor',
      'config',
      'retries',
      'retryConfig',
      'dlq',
      'dlqConfig',
      'statusTopic',
    ]) ?? {};
  const defaults: TopicDefaults = {
    partitions: check.integer(rawDefaults.partitions, '$.defaults.partitions', 3),
    replicationFactor: check.integer(rawDefaults.replicationFactor, '$.defaults.replicationFactor', 3, 1, 32),
    config: check.config(rawDefaults.config, '$.defaults.config'),
    retries: check.integer(rawDefaults.retries, '$.defaults.retries', 0, 0, 20),
    retryConfig: {},
    dlq: check.boolean(rawDefaults.dlq, '$.defaults.dlq', false),
    dlqConfig: {},
  };
  defaults.retryConfig = {
    ...defaults.config,
    ...check.config(rawDefaults.retryConfig, '$.defaults.retryConfig'),
  };
  defaults.dlqConfig = { ...defaults.config, ...check.config(rawDefaults.dlqConfig, '$.defaults.dlqConfig') };
  const statusDefaults = check.object(rawDefaults.statusTopic, '$.defaults.statusTopic', SETTINGS_KEYS) ?? {};

  const rawState = check.object(root.state, '$.state', ['topic', 'replicationFactor']) ?? {};
  const stateName =
    rawState.topic === undefined
      ? DEFAULT_STATE_TOPIC
      : (check.string(rawState.topic, '$.state.topic', KAFKA_TOPIC, 'a topic name') ?? DEFAULT_STATE_TOPIC);
  const stateTopic: TopicDeclaration = {
    name: stateName,
    partitions: 1,
    replicationFactor: check.integer(
      rawState.replicationFactor,
      '$.state.replicationFactor',
      defaults.replicationFactor,
      1,
      32,
    ),
    config: {
      'cleanup.policy': 'compact',
      ...(defaults.config['min.insync.replicas']
        ? { 'min.insync.replicas': defaults.config['min.insync.replicas'] }
        : {}),
    },
    retries: 0,
    retryConfig: {},
    dlq: false,
    dlqConfig: {},
  };

  const topics = check.list(root.topics, '$.topics').flatMap((value, index) => {
    const at = `$.topics[${index}]`;
    const raw = check.object(value, at, TOPIC_KEYS);
    if (!raw) return [];
    const name = check.string(raw.name, `${at}.name`, KAFKA_TOPIC, 'a Kafka topic name');
    return name ? [topicDeclaration(check, raw, at, name, defaults)] : [];
  });

  const senders = check.list(root.senders, '$.senders').flatMap((value, index): SenderDeclaration[] => {
    const at = `$.senders[${index}]`;
    const raw = check.object(value, at, [
      'id',
      'user',
      'password',
      'produces',
      'consumes',
      'groups',
      'statusTopic',
    ]);
    if (!raw) return [];
    if (typeof raw.id !== 'string' || !isValidSenderId(raw.id)) {
      check.fail(
        `${at}.id`,
        'must be a sender id: 1-64 of a-z, 0-9 and "-", not starting or ending with "-"',
      );
      return [];
    }
    const settings = {
      ...statusDefaults,
      ...(check.object(raw.statusTopic, `${at}.statusTopic`, SETTINGS_KEYS) ?? {}),
    };
    const status = topicDeclaration(check, settings, `${at}.statusTopic`, statusTopic(raw.id), {
      ...defaults,
      retries: 0,
      dlq: false,
    });
    // As ADR 801: the sender's SCRAM user is its id, its consumer groups are `<id>.<anything>`.
    const declared = principal(check, raw, at, raw.id, `${raw.id}.`);
    return [
      {
        id: raw.id,
        ...declared,
        consumes: [{ name: status.name, prefixed: false }, ...declared.consumes],
        statusTopic: status,
      },
    ];
  });

  const services = check.list(root.services, '$.services').flatMap((value, index): ServiceDeclaration[] => {
    const at = `$.services[${index}]`;
    const raw = check.object(value, at, [
      'name',
      'user',
      'password',
      'consumes',
      'produces',
      'creates',
      'groups',
    ]);
    if (!raw) return [];
    const name = check.string(raw.name, `${at}.name`, USER_NAME, 'a service name');
    return name ? [{ name, ...principal(check, raw, at, `smis-${name}`, `smis-${name}`) }] : [];
  });

  const profiles =
    check.object(root.profiles, '$.profiles', Object.keys((root.profiles as Json | undefined) ?? {})) ?? {};
  if (options.profile !== undefined) {
    const at = `$.profiles.${options.profile}`;
    if (!(options.profile in profiles)) {
      check.fail(
        '$.profiles',
        `has no profile ${JSON.stringify(options.profile)} (profiles: ${Object.keys(profiles).join(', ') || 'none'})`,
      );
    } else {
      const profile = check.object(profiles[options.profile], at, ['replicationFactor', 'config']) ?? {};
      const replicationFactor =
        profile.replicationFactor === undefined
          ? undefined
          : check.integer(profile.replicationFactor, `${at}.replicationFactor`, 1, 1, 32);
      const config = check.config(profile.config, `${at}.config`);
      for (const topic of [stateTopic, ...topics, ...senders.map((s) => s.statusTopic)])
        applyProfile(topic, replicationFactor, config);
    }
  }

  checkReferences(check, stateTopic, topics, senders, services);
  if (check.problems.length > 0) throw new ProvisioningSpecError(source, check.problems);
  return {
    source,
    baseDir: path.dirname(path.resolve(source)),
    clusterName,
    stateTopic,
    topics,
    senders,
    services,
  };
}

/**
 * A profile adapts the same file to another cluster size: its replication factor replaces every
 * topic's, its settings override every topic's (retry and DLQ topics included).
 */
function applyProfile(
  topic: TopicDeclaration,
  replicationFactor: number | undefined,
  config: Record<string, string>,
): void {
  if (replicationFactor !== undefined) topic.replicationFactor = replicationFactor;
  const merged = (target: Record<string, string>): Record<string, string> => ({ ...target, ...config });
  topic.config = merged(topic.config);
  topic.retryConfig = merged(topic.retryConfig);
  topic.dlqConfig = merged(topic.dlqConfig);
}

function checkReferences(
  check: Checker,
  stateTopic: TopicDeclaration,
  topics: TopicDeclaration[],
  senders: SenderDeclaration[],
  services: ServiceDeclaration[],
): void {
  const all = [stateTopic, ...topics, ...senders.map((s) => s.statusTopic)];
  const names = new Map<string, string>();
  for (const topic of all) {
    const minIsr = Number(topic.config['min.insync.replicas'] ?? 1);
    if (minIsr > topic.replicationFactor) {
      check.fail(
        `topic ${topic.name}`,
        `min.insync.replicas (${minIsr}) is above the replication factor (${topic.replicationFactor}): no write with acks=all could succeed`,
      );
    }
    const derived = [
      topic.name,
      ...Array.from({ length: topic.retries }, (_, i) => `${topic.name}.retry.${i + 1}`),
      ...(topic.dlq ? [`${topic.name}.dlq`] : []),
    ];
    for (const name of derived) {
      if (names.has(name))
        check.fail('$.topics', `topic ${name} is declared twice (by ${names.get(name)} and ${topic.name})`);
      names.set(name, topic.name);
    }
  }
  const users = new Map<string, string>();
  const principals: Array<[string, PrincipalDeclaration]> = [
    ...senders.map((s, i): [string, PrincipalDeclaration] => [`$.senders[${i}]`, s]),
    ...services.map((s, i): [string, PrincipalDeclaration] => [`$.services[${i}]`, s]),
  ];
  for (const [at, declared] of principals) {
    if (users.has(declared.user))
      check.fail(`${at}.user`, `user ${declared.user} is also used by ${users.get(declared.user)}`);
    users.set(declared.user, at);
    for (const [field, patterns] of [
      ['consumes', declared.consumes],
      ['produces', declared.produces],
      ['creates', declared.creates],
    ] as const) {
      for (const pattern of patterns) {
        // A prefix is open-ended on purpose (smis.status.* covers senders not declared yet).
        if (!pattern.prefixed && !all.some((topic) => topic.name === pattern.name)) {
          check.fail(
            `${at}.${field}`,
            `${pattern.name} is not declared under topics (declare it, or end the entry in * for a prefix)`,
          );
        }
        if (
          stateTopic.name.startsWith(pattern.name) &&
          (pattern.prefixed || pattern.name === stateTopic.name)
        )
          check.fail(`${at}.${field}`, 'the provisioning state topic is for the provisioner only');
      }
    }
  }
}
