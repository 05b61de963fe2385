import { describe, expect, it } from 'vitest';
import { BroadcastConfigError, loadBroadcastConfig, validateBroadcastConfig } from './config';

describe('broadcast configuration', () => {
  it('fills defaults within the FCM quota', () => {
    const config = validateBroadcastConfig({});
    expect(config.fanOut.ratesPerSecond.fcm).toBeLessThanOrEqual(10_000);
    expect(config.listsTopic).toBe('smis.broadcasts.lists.v1');
  });

  it('reads SMIS_BROADCAST_* variables', () => {
    const config = loadBroadcastConfig({
      SMIS_BROADCAST_FCM_RATE: '5000',
      SMIS_BROADCAST_APNS_RATE: '800',
      SMIS_BROADCAST_PAGE_SIZE: '200',
    });
    expect(config.fanOut).toMatchObject({
      pageSize: 200,
      ratesPerSecond: { fcm: 5000, apns: 800, webpush: 2000 },
    });
  });

  it('names every wrong field', () => {
    expect(() =>
      validateBroadcastConfig({
        schema: 'Bad-Schema',
        fanOut: { concurrency: 0, ratesPerSecond: { fcm: 20_000 } },
      }),
    ).toThrow(/schema.*fanOut\.concurrency.*FCM quota/);
    expect(() => loadBroadcastConfig({ SMIS_BROADCAST_LEASE_MS: 'soon' })).toThrow(BroadcastConfigError);
  });
});
