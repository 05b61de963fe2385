import type { MessageRequest } from '@smis/contracts';
import { DEFAULT_POLICY, type SenderPolicy } from '@smis/senders';
import { describe, expect, it } from 'vitest';
import { effectiveFallbackWindowSeconds, planChannels, rateDecision, staticPolicyViolation } from './policy';

const t0 = Date.UTC(2026, 0, 5, 10, 0);

function request(overrides: Partial<MessageRequest> = {}): MessageRequest {
  return {
    messageId: '00000000-0000-4000-8000-000000000001',
    senderId: 'tax',
    senderKeyId: '0011223344556677',
    idempotencyKey: 'k1',
    createdAt: t0,
    expiresAt: t0 + 3_600_000,
    recipient: Buffer.alloc(64, 1),
    category: 'tax',
    priority: 'NORMAL',
    fallbackWindowSeconds: 600,
    allowedChannels: ['APP', 'SMS', 'EMAIL'],
    envelope: Buffer.alloc(100),
    smsFallback: Buffer.alloc(10),
    emailFallback: Buffer.alloc(10),
    content: { languages: ['nl'], parts: [], totalSizeBytes: 10 },
    contentDigest: Buffer.alloc(32),
    signature: Buffer.alloc(64),
    ...overrides,
  };
}

const policy: SenderPolicy = { ...DEFAULT_POLICY, maxEnvelopeBytes: 1000, maxFallbackWindowSeconds: 900 };
const check = (r: MessageRequest, prefs?: Parameters<typeof staticPolicyViolation>[0]['preferences']) =>
  staticPolicyViolation({ request: r, policy, preferences: prefs, timeBoundMaxTtlMs: 86_400_000 });

describe('code of conduct: static rules', () => {
  it('accepts a request within the policy', () => {
    expect(check(request())).toBeUndefined();
  });

  it('names the rule a request breaks', () => {
    expect(check(request({ category: 'marketing' }))).toBe('policy.category-not-allowed');
    expect(check(request({ category: 'health', expiresAt: t0 + 30 * 86_400_000 }))).toBe(
      'policy.expiry-required',
    );
    expect(check(request({ envelope: Buffer.alloc(1001) }))).toBe('policy.envelope-too-large');
  });

  it('applies citizen mutes to non-mandatory categories only', () => {
    const muted = { channelOrder: [], mutedSenders: ['tax'], mutedCategories: [] };
    expect(check(request(), muted)).toBe('citizen.muted');
    expect(check(request({ category: 'alert' }), muted)).toBeUndefined();
    expect(check(request(), { channelOrder: [], mutedSenders: [], mutedCategories: ['tax'] })).toBe(
      'citizen.muted',
    );
  });

  it('bounds the fallback window by the policy', () => {
    expect(effectiveFallbackWindowSeconds(request({ fallbackWindowSeconds: 5000 }), policy)).toBe(900);
    expect(effectiveFallbackWindowSeconds(request({ fallbackWindowSeconds: 0 }), policy)).toBe(900);
    expect(effectiveFallbackWindowSeconds(request({ fallbackWindowSeconds: 60 }), policy)).toBe(60);
  });
});

describe('routing plan', () => {
  it('puts the app first, then SMS, e-mail last unless preferred', () => {
    expect(planChannels(request(), undefined)).toEqual(['APP', 'SMS', 'EMAIL']);
    expect(
      planChannels(request(), { channelOrder: ['APP', 'EMAIL'], mutedSenders: [], mutedCategories: [] }),
    ).toEqual(['APP', 'EMAIL', 'SMS']);
  });

  it('leaves out channels without their sealed text', () => {
    expect(planChannels(request({ smsFallback: null }), undefined)).toEqual(['APP', 'EMAIL']);
    expect(planChannels(request({ allowedChannels: ['APP'] }), undefined)).toEqual(['APP']);
  });

  it('skips the app when nothing was sealed (no device at sealing time)', () => {
    expect(planChannels(request({ envelope: Buffer.alloc(0) }), undefined)).toEqual(['SMS', 'EMAIL']);
  });
});

describe('sender rate', () => {
  it('lets a burst of the rate through, then spaces messages', () => {
    let tat: number | undefined;
    const allowed: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = rateDecision(tat, t0, 2);
      allowed.push(d.allowAt - t0);
      tat = d.nextTat;
    }
    expect(allowed).toEqual([0, 0, 500, 1000]);
  });
});
