/**
 * Provider failover as GOV.UK Notify does it (docs/adr/0700-sms-provider-failover.md):
 * each provider has a configured weight; the live weights start there. An error from a provider,
 * or too many slow delivery reports, moves `step` points of its weight to the others (at most
 * once per `cooldownMs` per provider, so one outage is not counted a hundred times); every
 * `recoverIntervalMs` each live weight moves `step` back towards its configured value. Messages
 * are spread by smooth weighted round-robin (nginx's), which is deterministic and proportional;
 * a message a provider did not take is offered to the others, heaviest first.
 */
export interface FailoverPolicy {
  /** Weight points moved per penalty and per recovery tick (default 10). */
  step: number;
  /** Minimum time between two penalties of one provider (default 60 s). */
  cooldownMs: number;
  /** How often live weights drift back to the configured ones (default 5 min). */
  recoverIntervalMs: number;
  /** A delivery report later than this after submission is slow (default 10 min). */
  slowReportMs: number;
  /** Fraction of slow reports in `slowWindowMs` that counts as slow delivery (default 0.2). */
  slowRatio: number;
  /** Reports needed in the window before the ratio is trusted (default 20). */
  slowMinSamples: number;
  slowWindowMs: number;
}

export const DEFAULT_FAILOVER: FailoverPolicy = Object.freeze({
  step: 10,
  cooldownMs: 60_000,
  recoverIntervalMs: 300_000,
  slowReportMs: 600_000,
  slowRatio: 0.2,
  slowMinSamples: 20,
  slowWindowMs: 600_000,
});

interface ProviderState {
  id: string;
  configured: number;
  live: number;
  /** Smooth weighted round-robin accumulator. */
  current: number;
  lastPenaltyAt: number;
  reports: Array<{ at: number; slow: boolean }>;
}

export interface ProviderWeight {
  id: string;
  configured: number;
  live: number;
}

export class ProviderSelector {
  private readonly states: ProviderState[];
  private listener?: (weights: readonly ProviderWeight[]) => void;

  constructor(
    providers: ReadonlyArray<{ id: string; weight: number }>,
    private readonly policy: FailoverPolicy = DEFAULT_FAILOVER,
    private readonly now: () => number = Date.now,
  ) {
    if (providers.length === 0) throw new RangeError('At least one SMS provider is needed');
    this.states = providers.map((p) => ({
      id: p.id,
      configured: p.weight,
      live: p.weight,
      current: 0,
      lastPenaltyAt: Number.NEGATIVE_INFINITY,
      reports: [],
    }));
  }

  /** Called after every change of the live weights (metrics). */
  onChange(listener: (weights: readonly ProviderWeight[]) => void): void {
    this.listener = listener;
    listener(this.weights());
  }

  weights(): ProviderWeight[] {
    return this.states.map((s) => ({ id: s.id, configured: s.configured, live: s.live }));
  }

  /** The providers to try for one message, in order: the round-robin pick, then the others by live weight. */
  order(): string[] {
    const eligible = this.states.filter((s) => s.live > 0);
    let first: ProviderState | undefined;
    if (eligible.length > 0) {
      const total = eligible.reduce((sum, s) => sum + s.live, 0);
      for (const s of eligible) s.current += s.live;
      first = eligible.reduce((best, s) => (s.current > best.current ? s : best));
      first.current -= total;
    }
    const rest = this.states
      .filter((s) => s !== first)
      .sort((a, b) => b.live - a.live || this.states.indexOf(a) - this.states.indexOf(b));
    return [...(first ? [first] : []), ...rest].map((s) => s.id);
  }

  /** An error from the provider (it did not take a message, or timed out). */
  penalize(id: string): boolean {
    const state = this.states.find((s) => s.id === id);
    if (!state || this.states.length < 2) return false;
    const at = this.now();
    if (at - state.lastPenaltyAt < this.policy.cooldownMs) return false;
    state.lastPenaltyAt = at;
    const moved = Math.min(this.policy.step, state.live);
    if (moved <= 0) return false;
    state.live -= moved;
    const others = this.states.filter((s) => s !== state);
    const shares = others.reduce((sum, s) => sum + s.configured, 0);
    for (const s of others) s.live += shares > 0 ? (moved * s.configured) / shares : moved / others.length;
    this.changed();
    return true;
  }

  /** A delivery report arrived `latencyMs` after submission. */
  observeReport(id: string, latencyMs: number): void {
    const state = this.states.find((s) => s.id === id);
    if (!state) return;
    const at = this.now();
    state.reports.push({ at, slow: latencyMs > this.policy.slowReportMs });
    state.reports = state.reports.filter((r) => at - r.at <= this.policy.slowWindowMs);
    const slow = state.reports.filter((r) => r.slow).length;
    if (
      state.reports.length >= this.policy.slowMinSamples &&
      slow / state.reports.length >= this.policy.slowRatio
    ) {
      if (this.penalize(id)) state.reports = [];
    }
  }

  /** One drift step of every live weight back towards its configured value. */
  recover(): void {
    let changed = false;
    for (const s of this.states) {
      const delta = Math.max(-this.policy.step, Math.min(this.policy.step, s.configured - s.live));
      if (Math.abs(delta) > 1e-9) {
        s.live += delta;
        changed = true;
      }
    }
    if (changed) this.changed();
  }

  private changed(): void {
    for (const s of this.states) s.live = Math.max(0, Math.round(s.live * 1000) / 1000);
    this.listener?.(this.weights());
  }
}
