import { TOPIC_CONTRACTS, statusTopic, type Party } from '@smis/contracts';
import { desiredState, parseProvisioningSpec, principalOf } from '@smis/provisioning';
import { describe, expect, it } from 'vitest';
import { readText } from './manifests';

const PLATFORM = 'deploy/provisioning/platform.yaml';
const spec = parseProvisioningSpec(readText(PLATFORM), PLATFORM);
const desired = desiredState(spec);

/** The principals that act as a party of the topic contracts. */
function principalsOf(party: Party): string[] {
  if (party === 'sender-system') return spec.senders.map((s) => principalOf(s.user));
  const service = spec.services.find((s) => s.name === party);
  return service ? [principalOf(service.user)] : [];
}

function allows(principal: string, operation: 'read' | 'write', topic: string): boolean {
  return desired.acls.some(
    (acl) =>
      acl.principal === principal &&
      acl.operation === operation &&
      acl.resourceType === 'topic' &&
      (acl.patternType === 'literal' ? acl.resourceName === topic : topic.startsWith(acl.resourceName)),
  );
}

describe('deploy/provisioning/platform.yaml and the topic contracts', () => {
  const topicNames = new Set(desired.topics.map((t) => t.name));
  const concrete = (address: string): string[] =>
    address.includes('{senderId}') ? spec.senders.map((s) => statusTopic(s.id)) : [address];

  it('declares every topic of the contracts, with retry and dead-letter topics where a service consumes', () => {
    expect(spec.senders.length).toBeGreaterThan(0);
    for (const contract of TOPIC_CONTRACTS) {
      for (const topic of concrete(contract.address)) {
        expect(topicNames, `${topic} (${contract.id})`).toContain(topic);
        const declaration = [...spec.topics, ...spec.senders.map((s) => s.statusTopic)].find(
          (t) => t.name === topic,
        );
        if (contract.consumers.some((party) => party !== 'sender-system')) {
          expect(declaration?.dlq, `${topic} has a DLQ`).toBe(true);
          expect(declaration?.retries, `${topic} has retry topics`).toBeGreaterThan(0);
        }
        expect(declaration?.config['cleanup.policy'] === 'compact', `${topic} compaction`).toBe(
          contract.compacted,
        );
      }
    }
  });

  it('lets every producer and consumer of the contracts write and read its topics', () => {
    const missing: string[] = [];
    for (const contract of TOPIC_CONTRACTS) {
      for (const topic of concrete(contract.address)) {
        for (const [parties, operation] of [
          [contract.producers, 'write'],
          [contract.consumers, 'read'],
        ] as const) {
          for (const party of parties) {
            if (party === 'sender-system' && contract.id === 'status') {
              // A status topic is read by its own sender.
              const owner = spec.senders.find((s) => statusTopic(s.id) === topic);
              if (!owner || !allows(principalOf(owner.user), operation, topic))
                missing.push(`the sender of ${topic} cannot read it`);
              continue;
            }
            const principals = principalsOf(party);
            if (principals.length === 0)
              missing.push(`${party} is not declared (needed to ${operation} ${topic})`);
            if (party === 'sender-system') {
              // Which sender may write what is policy (not every sender broadcasts); some must be able to.
              if (!principals.some((p) => allows(p, operation, topic)))
                missing.push(`no sender can ${operation} ${topic}`);
              continue;
            }
            for (const principal of principals)
              if (!allows(principal, operation, topic))
                missing.push(`${principal} cannot ${operation} ${topic}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("keeps each sender out of the other senders' status topics", () => {
    for (const sender of spec.senders) {
      for (const other of spec.senders.filter((s) => s !== sender)) {
        expect(allows(principalOf(sender.user), 'read', statusTopic(other.id))).toBe(false);
      }
    }
  });
});
