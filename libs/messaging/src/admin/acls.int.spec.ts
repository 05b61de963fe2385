import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors';
import { testClient } from '../test-support/broker';

// The ACL round trip against a broker with an authorizer is covered by libs/status
// (sender provisioning on a SASL cluster); the shared test broker runs without one.
describe('TopicAdmin ACLs (real broker without an authorizer)', () => {
  const admin = testClient().admin();
  afterAll(() => admin.disconnect());

  it('says the cluster keeps no ACLs instead of a bare protocol error', async () => {
    await expect(admin.describeAcls({ principal: 'User:nobody' })).rejects.toThrow(ConfigurationError);
    await expect(
      admin.createAcls([
        { principal: 'User:nobody', resourceType: 'topic', resourceName: 'x', operation: 'read' },
      ]),
    ).rejects.toThrow(/no authorizer/);
  });
});
