import { generateKeyring } from '@smis/keyring';
import { describe, expect, it } from 'vitest';
import { loadRouterConfig, ROUTER_DEFAULTS, validateRouterConfig } from './config';

describe('router config', () => {
  const key = generateKeyring().pseudonym.domainKeys.find((k) => k.domain === 'router');
  if (!key) throw new Error('no router key');

  it('consumes 4 partitions at once and fires timers in batches of 100 by default', () => {
    const config = validateRouterConfig({ routerDomainKey: key });
    expect(config.consumerConcurrency).toBe(ROUTER_DEFAULTS.consumerConcurrency);
    expect(config.consumerConcurrency).toBe(4);
    expect(config.timerBatchSize).toBe(100);
  });

  it('reads SMIS_ROUTER_CONSUMER_CONCURRENCY and SMIS_ROUTER_TIMER_BATCH_SIZE', () => {
    const config = loadRouterConfig(
      { SMIS_ROUTER_CONSUMER_CONCURRENCY: '12', SMIS_ROUTER_TIMER_BATCH_SIZE: '500' },
      key,
    );
    expect(config).toMatchObject({ consumerConcurrency: 12, timerBatchSize: 500 });
  });

  it('names a concurrency or batch size that is not a positive whole number', () => {
    expect(() => loadRouterConfig({ SMIS_ROUTER_CONSUMER_CONCURRENCY: '2.5' }, key)).toThrow(
      /consumerConcurrency \(SMIS_ROUTER_CONSUMER_CONCURRENCY\) must be a positive whole number/,
    );
    expect(() => validateRouterConfig({ routerDomainKey: key, timerBatchSize: 0 })).toThrow(
      /timerBatchSize \(SMIS_ROUTER_TIMER_BATCH_SIZE\)/,
    );
  });
});
