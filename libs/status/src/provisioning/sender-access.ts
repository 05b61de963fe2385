import { isValidSenderId, statusTopic, TOPICS } from '@smis/contracts';
import type { AclAdmin, AclBinding, AclSpec, TopicAdmin, TopicSpec } from '@smis/messaging';

/**
 * What a sender system may do on the cluster (see docs/adr/0801-sender-status-topics-and-acls.md):
 * READ its own status topic, with consumer groups named `<senderId>.<anything>`; WRITE the
 * request topics. Nothing else: no other sender's status topic, no channel or event topic, no
 * topic creation. (WRITE on a topic also lets its idempotent producer initialise, Kafka ≥ 3.0.)
 */
export interface SenderAccess {
  senderId: string;
  /** The Kafka principal of the sender's credentials (default `User:<senderId>`, its SCRAM user). */
  principal?: string;
  /** Partitions, replication and settings of the status topic (default: the broker's). */
  statusTopic?: Omit<TopicSpec, 'topic'>;
}

/** The topics a sender may write (its requests and broadcasts). */
export const SENDER_WRITE_TOPICS: readonly string[] = [TOPICS.requests, TOPICS.broadcasts];

/** The consumer group prefix a sender's groups must use. */
export function senderGroupPrefix(senderId: string): string {
  return `${senderId}.`;
}

export function senderPrincipal(access: Pick<SenderAccess, 'senderId' | 'principal'>): string {
  return access.principal ?? `User:${access.senderId}`;
}

/** The ACLs of a sender (allow rules only: with no rule, the authorizer denies). */
export function senderAcls(access: Pick<SenderAccess, 'senderId' | 'principal'>): AclSpec[] {
  if (!isValidSenderId(access.senderId))
    throw new TypeError(`Invalid senderId ${JSON.stringify(access.senderId)}`);
  const principal = senderPrincipal(access);
  return [
    { principal, resourceType: 'topic', resourceName: statusTopic(access.senderId), operation: 'read' },
    {
      principal,
      resourceType: 'group',
      resourceName: senderGroupPrefix(access.senderId),
      patternType: 'prefixed',
      operation: 'read',
    },
    ...SENDER_WRITE_TOPICS.map((topic): AclSpec => ({
      principal,
      resourceType: 'topic',
      resourceName: topic,
      operation: 'write',
    })),
  ];
}

export interface ProvisionedSender {
  statusTopic: string;
  /** Whether this call created the status topic (false: it existed). */
  createdTopic: boolean;
  acls: AclSpec[];
}

/**
 * Creates a sender's status topic and its ACLs, with a cluster admin connection (the platform
 * team's, or the provisioning job's). Idempotent: run it again to repair a sender's access.
 * The SCRAM user itself is created outside Kafka's client API (Strimzi KafkaUser, kafka-configs).
 */
export async function provisionSenderAccess(
  admin: Pick<TopicAdmin, 'ensureTopics'> & Pick<AclAdmin, 'createAcls'>,
  access: SenderAccess,
): Promise<ProvisionedSender> {
  const acls = senderAcls(access);
  const topic = statusTopic(access.senderId);
  const { created } = await admin.ensureTopics([{ ...access.statusTopic, topic }]);
  await admin.createAcls(acls);
  return { statusTopic: topic, createdTopic: created.includes(topic), acls };
}

/** Removes a sender's ACLs (its status topic and its records stay); returns the rules removed. */
export async function revokeSenderAccess(
  admin: Pick<AclAdmin, 'deleteAcls'>,
  access: Pick<SenderAccess, 'senderId' | 'principal'>,
): Promise<AclBinding[]> {
  const acls = senderAcls(access);
  return admin.deleteAcls(
    acls.map((acl) => ({
      principal: acl.principal,
      resourceType: acl.resourceType,
      resourceName: acl.resourceName,
      patternType: acl.patternType ?? 'literal',
      operation: acl.operation,
      permission: 'allow',
    })),
  );
}
