import { Inject, Injectable } from '@nestjs/common';
import type { BroadcastProgress } from '../../contracts/records';
import { BroadcastNotFoundError } from '../../errors';
import type { BroadcastPorts } from '../../ports';
import { progressOf } from '../../progress';
import { BroadcastStore } from '../../store';
import { BROADCAST_PORTS } from '../../tokens';

export interface BroadcastView extends BroadcastProgress {
  audience: 'EVERYONE' | 'REGIONS' | 'LIST';
  category: string;
  priority: string;
  notBefore: string;
  expiresAt: string;
  finishedAt: string | null;
}

/** The sender's view of its broadcast: state, schedule, and the aggregated counts. */
@Injectable()
export class GetBroadcastUseCase {
  constructor(
    @Inject(BROADCAST_PORTS) private readonly ports: BroadcastPorts,
    private readonly store: BroadcastStore,
  ) {}

  async execute(senderId: string, broadcastId: string): Promise<BroadcastView> {
    const job = await this.store.find(broadcastId);
    if (!job || job.sender_id !== senderId) throw new BroadcastNotFoundError(`No broadcast ${broadcastId}`);
    return {
      ...(await progressOf(job, this.ports)),
      audience: job.audience,
      category: job.category,
      priority: job.priority,
      notBefore: new Date(job.not_before).toISOString(),
      expiresAt: new Date(job.expires_at).toISOString(),
      finishedAt: job.finished_at ? new Date(job.finished_at).toISOString() : null,
    };
  }
}
