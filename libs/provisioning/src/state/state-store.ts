import type { PasswordFingerprint } from './fingerprint';
import type { ProvisioningState } from '../plan/plan';

/** One bookkeeping entry; `null` forgets it. */
export type StateUpdate =
  | { kind: 'topic'; name: string; value: { appliedAt: string } | null }
  | { kind: 'user'; name: string; value: (PasswordFingerprint & { appliedAt: string }) | null };

/** Where apply records what it manages. Kafka cannot give SCRAM passwords back; this is how it remembers them. */
export interface ProvisioningStateStore {
  /** Reads the whole state (empty when nothing was applied yet). */
  load(): Promise<ProvisioningState>;
  /** Records the updates, in order; later ones win. */
  save(updates: readonly StateUpdate[]): Promise<void>;
}

export const EMPTY_STATE: ProvisioningState = Object.freeze({ topics: new Set<string>(), users: new Map() });

/** Applies updates to a state, as the store does when it reads them back. */
export function foldState(state: ProvisioningState, updates: readonly StateUpdate[]): ProvisioningState {
  const topics = new Set(state.topics);
  const users = new Map(state.users);
  for (const update of updates) {
    if (update.kind === 'topic') {
      if (update.value) topics.add(update.name);
      else topics.delete(update.name);
    } else if (update.value) users.set(update.name, { salt: update.value.salt, hash: update.value.hash });
    else users.delete(update.name);
  }
  return { topics, users };
}

/** For tests and dry runs without a cluster. */
export class InMemoryStateStore implements ProvisioningStateStore {
  private state: ProvisioningState = EMPTY_STATE;

  async load(): Promise<ProvisioningState> {
    return this.state;
  }

  async save(updates: readonly StateUpdate[]): Promise<void> {
    this.state = foldState(this.state, updates);
  }
}
