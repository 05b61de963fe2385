import { describe, expect, it } from 'vitest';
import { GATEWAY_DEFAULTS, GatewayConfigError, loadGatewayConfig, validateGatewayConfig } from './config';

describe('gateway config: limits', () => {
  it('gives key lookups their own, higher limit by default', () => {
    const config = validateGatewayConfig({ tokenUrl: 'https://smis.test/v1/gateway/oauth/token' });
    expect(config.rateLimit).toEqual({ perSecond: 50, burst: 100 });
    expect(config.lookupRateLimit).toEqual({ perSecond: 2_000, burst: 4_000 });
    expect(config.maxLookupBatch).toBe(GATEWAY_DEFAULTS.maxLookupBatch);
  });

  it('reads the lookup limit and batch size from the environment', () => {
    const config = loadGatewayConfig({
      SMIS_GATEWAY_LOOKUP_RATE_PER_SECOND: '500',
      SMIS_GATEWAY_LOOKUP_RATE_BURST: '800',
      SMIS_GATEWAY_MAX_LOOKUP_BATCH: '50',
    });
    expect(config.lookupRateLimit).toEqual({ perSecond: 500, burst: 800 });
    expect(config.maxLookupBatch).toBe(50);
  });

  it('refuses a batch size a full batch could never pass, naming the variable', () => {
    expect(() =>
      validateGatewayConfig({
        tokenUrl: 'https://smis.test/token',
        lookupRateLimit: { burst: 10 },
        maxLookupBatch: 20,
      }),
    ).toThrow(/SMIS_GATEWAY_MAX_LOOKUP_BATCH.*must not exceed/);
    expect(() => validateGatewayConfig({ tokenUrl: 'https://smis.test/token', maxLookupBatch: 0 })).toThrow(
      GatewayConfigError,
    );
    expect(() =>
      validateGatewayConfig({ tokenUrl: 'https://smis.test/token', lookupRateLimit: { perSecond: -1 } }),
    ).toThrow(/SMIS_GATEWAY_LOOKUP_RATE_PER_SECOND/);
  });
});
