import type { PreferenceUpdate } from '@smis/contracts';

/** A record of the compacted preferences topic: the whole current state, or a tombstone (null). */
export class ApplyPreferenceCommand {
  private constructor(
    readonly sourceKey: string,
    readonly update: PreferenceUpdate | null,
  ) {}

  static create(sourceKey: string | null, update: PreferenceUpdate | null): ApplyPreferenceCommand {
    if (!sourceKey) throw new TypeError('a preference record needs its key');
    return new ApplyPreferenceCommand(sourceKey, update);
  }
}
