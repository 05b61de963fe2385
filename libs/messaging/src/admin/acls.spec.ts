import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors';
import { silentLogger } from '../logger';
import { createTopicAdmin } from './create-topic-admin';

/** The admin client's ACL calls, recorded; answers are set per test. */
function fakeClient(answers: { describe?: unknown; delete?: unknown; fail?: unknown } = {}) {
  const calls: { method: string; args: unknown }[] = [];
  const record = (method: string) => async (args: unknown) => {
    calls.push({ method, args });
    if (answers.fail) throw answers.fail;
    if (method === 'describeAcls') return answers.describe;
    if (method === 'deleteAcls') return answers.delete;
    return true;
  };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    createAcls: record('createAcls'),
    describeAcls: record('describeAcls'),
    deleteAcls: record('deleteAcls'),
  };
  const kafka = { admin: () => admin } as unknown as Kafka;
  return { admin: createTopicAdmin({ kafka, logger: silentLogger }), calls };
}

describe('TopicAdmin ACLs', () => {
  it('sends typed specs as the protocol codes, with host * and allow by default', async () => {
    const { admin, calls } = fakeClient();
    await admin.createAcls([
      { principal: 'User:tax', resourceType: 'topic', resourceName: 'smis.status.tax.v1', operation: 'read' },
      {
        principal: 'User:tax',
        host: '10.0.0.1',
        resourceType: 'group',
        resourceName: 'tax.',
        patternType: 'prefixed',
        operation: 'describe',
        permission: 'deny',
      },
    ]);
    expect(calls).toEqual([
      {
        method: 'createAcls',
        args: {
          acl: [
            {
              principal: 'User:tax',
              host: '*',
              resourceType: 2,
              resourceName: 'smis.status.tax.v1',
              resourcePatternType: 3,
              operation: 3,
              permissionType: 3,
            },
            {
              principal: 'User:tax',
              host: '10.0.0.1',
              resourceType: 3,
              resourceName: 'tax.',
              resourcePatternType: 4,
              operation: 8,
              permissionType: 2,
            },
          ],
        },
      },
    ]);
  });

  it('describes with "any" for what the filter leaves out and names what the broker answers', async () => {
    const { admin, calls } = fakeClient({
      describe: {
        resources: [
          {
            resourceType: 2,
            resourceName: 'smis.requests.v1',
            resourcePatternType: 3,
            acls: [
              { principal: 'User:tax', host: '*', operation: 4, permissionType: 3 },
              { principal: 'User:tax', host: '*', operation: 8, permissionType: 3 },
            ],
          },
        ],
      },
    });
    const acls = await admin.describeAcls({ principal: 'User:tax' });
    expect(calls[0].args).toEqual({
      principal: 'User:tax',
      host: undefined,
      resourceType: 1,
      resourceName: undefined,
      resourcePatternType: 1,
      operation: 1,
      permissionType: 1,
    });
    expect(acls).toEqual([
      {
        principal: 'User:tax',
        host: '*',
        resourceType: 'topic',
        resourceName: 'smis.requests.v1',
        patternType: 'literal',
        operation: 'write',
        permission: 'allow',
      },
      expect.objectContaining({ operation: 'describe' }),
    ]);
  });

  it('returns the deleted rules and refuses a filter that would delete every rule', async () => {
    const { admin, calls } = fakeClient({
      delete: {
        filterResponses: [
          {
            errorCode: 0,
            matchingAcls: [
              {
                errorCode: 0,
                principal: 'User:tax',
                host: '*',
                resourceType: 3,
                resourceName: 'tax.',
                resourcePatternType: 4,
                operation: 3,
                permissionType: 3,
              },
            ],
          },
        ],
      },
    });
    await expect(admin.deleteAcls([{ operation: 'read' }])).rejects.toThrow(ConfigurationError);
    expect(calls).toEqual([]);
    const deleted = await admin.deleteAcls([{ principal: 'User:tax', patternType: 'match' }]);
    expect(deleted).toEqual([
      {
        principal: 'User:tax',
        host: '*',
        resourceType: 'group',
        resourceName: 'tax.',
        patternType: 'prefixed',
        operation: 'read',
        permission: 'allow',
      },
    ]);
    expect(
      (calls[0].args as { filters: { resourcePatternType: number }[] }).filters[0].resourcePatternType,
    ).toBe(2);
  });

  it('rejects invalid specs before calling the broker, naming the field', async () => {
    const { admin, calls } = fakeClient();
    await expect(
      admin.createAcls([{ principal: 'tax', resourceType: 'topic', resourceName: 't', operation: 'read' }]),
    ).rejects.toThrow(/principal 'tax'/);
    await expect(
      admin.createAcls([
        {
          principal: 'User:tax',
          resourceType: 'topic',
          resourceName: 't',
          operation: 'publish' as never,
        },
      ]),
    ).rejects.toThrow(/operation 'publish'/);
    expect(calls).toEqual([]);
  });

  it('says the cluster has no authorizer when the broker answers SECURITY_DISABLED', async () => {
    const { admin } = fakeClient({
      fail: Object.assign(new Error('Security features are disabled'), {
        name: 'KafkaJSProtocolError',
        type: 'SECURITY_DISABLED',
      }),
    });
    const attempt = admin.describeAcls();
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(admin.describeAcls()).rejects.toThrow(/no authorizer/);
  });
});
