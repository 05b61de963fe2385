import type { AppChannelJob } from '@smis/contracts';

/** Deliver one router job: store the envelope in the inbox, push to the citizen's devices. */
export class DeliverJobCommand {
  private constructor(readonly job: AppChannelJob) {}

  static create(job: AppChannelJob): DeliverJobCommand {
    return new DeliverJobCommand(job);
  }
}
