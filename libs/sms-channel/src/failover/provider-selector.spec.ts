import { describe, expect, it } from 'vitest';
import { DEFAULT_FAILOVER, ProviderSelector } from './provider-selector';

describe('provider failover weights', () => {
  const policy = {
    ...DEFAULT_FAILOVER,
    step: 10,
    cooldownMs: 1_000,
    slowReportMs: 100,
    slowMinSamples: 5,
    slowRatio: 0.2,
  };

  it('spreads messages in proportion to the weights, deterministically', () => {
    const s = new ProviderSelector(
      [
        { id: 'a', weight: 70 },
        { id: 'b', weight: 30 },
      ],
      policy,
    );
    const firsts = Array.from({ length: 10 }, () => s.order()[0]);
    expect(firsts.filter((id) => id === 'a')).toHaveLength(7);
    expect(s.order()).toHaveLength(2);
  });

  it('moves weight away on errors (once per cooldown) and drifts back over time', () => {
    let now = 0;
    const s = new ProviderSelector(
      [
        { id: 'a', weight: 50 },
        { id: 'b', weight: 50 },
      ],
      policy,
      () => now,
    );
    expect(s.penalize('a')).toBe(true);
    expect(s.penalize('a')).toBe(false); // same outage, inside the cooldown
    expect(s.weights().map((w) => w.live)).toEqual([40, 60]);
    now = 2_000;
    s.penalize('a');
    expect(s.weights().map((w) => w.live)).toEqual([30, 70]);
    s.recover();
    expect(s.weights().map((w) => w.live)).toEqual([40, 60]);
    s.recover();
    s.recover();
    expect(s.weights().map((w) => w.live)).toEqual([50, 50]);
  });

  it('offers a zero-weight provider only as the fallback', () => {
    const s = new ProviderSelector(
      [
        { id: 'a', weight: 100 },
        { id: 'b', weight: 0 },
      ],
      policy,
    );
    expect(s.order()).toEqual(['a', 'b']);
    expect(s.order()).toEqual(['a', 'b']);
  });

  it('penalizes a provider whose delivery reports are too often slow', () => {
    let now = 0;
    const s = new ProviderSelector(
      [
        { id: 'a', weight: 50 },
        { id: 'b', weight: 50 },
      ],
      policy,
      () => now,
    );
    for (let i = 0; i < 4; i++) s.observeReport('a', 10);
    expect(s.weights()[0].live).toBe(50);
    now = 10;
    s.observeReport('a', 500); // 1 slow of 5 = 20 %
    expect(s.weights()[0].live).toBe(40);
  });
});
