import { readFileSync } from 'node:fs';
import path from 'node:path';
import { statusTopic } from '@smis/contracts';
import type { KafkaClient } from '@smis/messaging';
import { desiredState, parseProvisioningSpec } from '@smis/provisioning';

/** The platform's topics as `deploy/provisioning/platform.yaml` declares them. */
export const DEFAULT_PROVISIONING_FILE = path.resolve(
  __dirname,
  '../../../deploy/provisioning/platform.yaml',
);

/**
 * Local default: create the topics the provisioning file declares (retry and dead-letter topics
 * included) that do not exist yet, with the `local` profile's sizes. Production provisions with
 * `smis admin apply` or Strimzi and sets SMIS_PROVISION_TOPICS=false.
 */
export async function ensurePlatformTopics(
  client: KafkaClient,
  file: string,
  profile: string | undefined,
  senderIds: readonly string[] = [],
): Promise<{ created: number; existing: number }> {
  const spec = parseProvisioningSpec(readFileSync(file, 'utf8'), file, { profile });
  const declared = desiredState(spec).topics;
  const topics = declared.filter((t) => t.role !== 'status');
  // Each registered sender's status topic exists before the sender starts following it.
  const template = declared.find((t) => t.role === 'status') ?? topics.find((t) => t.role === 'topic');
  for (const senderId of senderIds) {
    const name = statusTopic(senderId);
    if (!topics.some((t) => t.name === name) && template)
      topics.push({ ...template, name, source: name, role: 'status' });
  }
  const admin = client.admin();
  try {
    const result = await admin.ensureTopics(
      topics.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configEntries: t.config,
      })),
    );
    return { created: result.created.length, existing: result.existing.length };
  } finally {
    await admin.disconnect();
  }
}
