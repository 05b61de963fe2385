import type { AppChannelJob } from '@smis/contracts';

/**
 * Deliver a batch of router jobs, in order: store the envelopes in the inbox, push to the
 * citizens' devices. `heartbeat` keeps the consumer's group membership alive during long pushes.
 */
export class DeliverJobsCommand {
  private constructor(
    readonly jobs: readonly AppChannelJob[],
    readonly heartbeat?: () => Promise<void>,
  ) {}

  static create(jobs: readonly AppChannelJob[], heartbeat?: () => Promise<void>): DeliverJobsCommand {
    if (jobs.length === 0) throw new RangeError('a delivery batch needs at least one job');
    return new DeliverJobsCommand(jobs, heartbeat);
  }
}
