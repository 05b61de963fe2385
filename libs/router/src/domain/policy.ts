import type { Channel, MessageRequest } from '@smis/contracts';
import type { SenderPolicy } from '@smis/senders';
import { REASONS, type Reason } from './reasons';

/** What the router holds of a citizen's preferences (materialized from smis.preferences.v1). */
export interface CitizenPreferences {
  channelOrder: readonly Channel[];
  mutedSenders: readonly string[];
  mutedCategories: readonly string[];
}

export interface StaticCheckInput {
  request: MessageRequest;
  policy: SenderPolicy;
  preferences: CitizenPreferences | undefined;
  /** Longest expiry a time-bound category may carry (ms after createdAt). */
  timeBoundMaxTtlMs: number;
}

/**
 * The code-of-conduct rules that need no counters, in the order they are applied: the first
 * broken one is the reason. Counters (caps, duplicates, quota, rate) and quiet hours follow.
 */
export function staticPolicyViolation(input: StaticCheckInput): Reason | undefined {
  const { request, policy, preferences } = input;
  if (!policy.allowedCategories.includes(request.category)) return REASONS.categoryNotAllowed;
  if (policy.timeBoundCategories.includes(request.category)) {
    const ttl = request.expiresAt - request.createdAt;
    if (!(ttl > 0 && ttl <= input.timeBoundMaxTtlMs)) return REASONS.expiryRequired;
  }
  if (request.envelope.length > policy.maxEnvelopeBytes) return REASONS.envelopeTooLarge;
  if (preferences && !policy.mandatoryCategories.includes(request.category)) {
    if (
      preferences.mutedSenders.includes(request.senderId) ||
      preferences.mutedCategories.includes(request.category)
    ) {
      return REASONS.citizenMuted;
    }
  }
  return undefined;
}

/** The fallback window the plan uses: the sender's, or the policy default, bounded by the policy. */
export function effectiveFallbackWindowSeconds(request: MessageRequest, policy: SenderPolicy): number {
  const asked =
    request.fallbackWindowSeconds > 0 ? request.fallbackWindowSeconds : policy.defaultFallbackWindowSeconds;
  return Math.min(asked, policy.maxFallbackWindowSeconds);
}

/**
 * The channels in the order the plan tries them: the app first (when allowed), then SMS and
 * e-mail where the sender allowed them and gave their sealed text, in the citizen's preferred
 * order; channels the citizen did not list come last (e-mail as the last resort by default).
 */
export function planChannels(
  request: MessageRequest,
  preferences: CitizenPreferences | undefined,
): Channel[] {
  const allowed = new Set(request.allowedChannels);
  // An empty envelope: the citizen had no device when the sender sealed (ADR 1000), so no app step.
  const plan: Channel[] = allowed.has('APP') && request.envelope.length > 0 ? ['APP'] : [];
  const fallbacks: Channel[] = [];
  if (allowed.has('SMS') && request.smsFallback && request.smsFallback.length > 0) fallbacks.push('SMS');
  if (allowed.has('EMAIL') && request.emailFallback && request.emailFallback.length > 0)
    fallbacks.push('EMAIL');
  const order = preferences?.channelOrder ?? [];
  const rank = (channel: Channel, index: number): number => {
    const preferred = order.indexOf(channel);
    return preferred >= 0 ? preferred : 100 + index;
  };
  const ranked = fallbacks
    .map((channel, index) => ({ channel, rank: rank(channel, index) }))
    .sort((a, b) => a.rank - b.rank)
    .map((r) => r.channel);
  return [...plan, ...ranked];
}

export interface RateDecision {
  /** When the message may go (now, or later: deferred). */
  allowAt: number;
  /** The sender's new theoretical arrival time, to store when the message is taken. */
  nextTat: number;
}

/**
 * Generic cell rate algorithm: `ratePerSecond` sustained, bursts of up to `ratePerSecond`
 * (at least 1). A message over the rate is given the instant it conforms, so it can be deferred.
 */
export function rateDecision(tat: number | undefined, now: number, ratePerSecond: number): RateDecision {
  const interval = 1000 / ratePerSecond;
  const tolerance = interval * (Math.max(1, Math.floor(ratePerSecond)) - 1);
  const theoretical = Math.max(tat ?? now, now);
  const allowAt = Math.max(now, Math.ceil(theoretical - tolerance));
  return { allowAt, nextTat: theoretical + interval };
}
