import { describe, expect, it } from 'vitest';
import { provisionSenderAccess, senderAcls } from './sender-access';

describe('sender access', () => {
  it('allows reading the own status topic and groups, and writing the request topics, nothing else', () => {
    expect(senderAcls({ senderId: 'tax-office' })).toEqual([
      {
        principal: 'User:tax-office',
        resourceType: 'topic',
        resourceName: 'smis.status.tax-office.v1',
        operation: 'read',
      },
      {
        principal: 'User:tax-office',
        resourceType: 'group',
        resourceName: 'tax-office.',
        patternType: 'prefixed',
        operation: 'read',
      },
      {
        principal: 'User:tax-office',
        resourceType: 'topic',
        resourceName: 'smis.requests.v1',
        operation: 'write',
      },
      {
        principal: 'User:tax-office',
        resourceType: 'topic',
        resourceName: 'smis.broadcasts.v1',
        operation: 'write',
      },
    ]);
    expect(
      senderAcls({ senderId: 'tax-office', principal: 'User:CN=tax' }).every(
        (a) => a.principal === 'User:CN=tax',
      ),
    ).toBe(true);
  });

  it('refuses sender ids that cannot name a topic', () => {
    expect(() => senderAcls({ senderId: 'Tax Office' })).toThrow(/Invalid senderId/);
    expect(() => senderAcls({ senderId: 'tax.' })).toThrow(/Invalid senderId/);
  });

  it('creates the topic before the rules and reports whether it was new', async () => {
    const calls: string[] = [];
    const admin = {
      ensureTopics: async (specs: readonly { topic: string; numPartitions?: number }[]) => {
        calls.push(`topics ${specs.map((s) => `${s.topic}/${s.numPartitions}`).join(',')}`);
        return { created: [], existing: specs.map((s) => s.topic) };
      },
      createAcls: async (acls: readonly unknown[]) => void calls.push(`acls ${acls.length}`),
    };
    const result = await provisionSenderAccess(admin, {
      senderId: 'tax-office',
      statusTopic: { numPartitions: 6 },
    });
    expect(calls).toEqual(['topics smis.status.tax-office.v1/6', 'acls 4']);
    expect(result).toMatchObject({ statusTopic: 'smis.status.tax-office.v1', createdTopic: false });
  });
});
