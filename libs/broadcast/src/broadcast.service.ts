import { Injectable } from '@nestjs/common';
import type { Broadcast } from '@smis/contracts';
import type { BroadcastListChunk } from './contracts/records';
import { BroadcastScheduler } from './scheduler';
import {
  AcceptBroadcastUseCase,
  type AcceptOutcome,
} from './usecases/accept-broadcast/accept-broadcast.usecase';
import { CancelBroadcastUseCase } from './usecases/cancel-broadcast/cancel-broadcast.usecase';
import { GetBroadcastUseCase, type BroadcastView } from './usecases/get-broadcast/get-broadcast.usecase';
import {
  ReceiveListChunkUseCase,
  type ChunkOutcome,
} from './usecases/receive-list-chunk/receive-list-chunk.usecase';
import { RunBroadcastsUseCase, type RunSummary } from './usecases/run-broadcast/run-broadcasts.usecase';

/** In-process entry points of the broadcast service (the gateway, tools, tests). */
@Injectable()
export class BroadcastService {
  constructor(
    private readonly acceptUseCase: AcceptBroadcastUseCase,
    private readonly listUseCase: ReceiveListChunkUseCase,
    private readonly runUseCase: RunBroadcastsUseCase,
    private readonly cancelUseCase: CancelBroadcastUseCase,
    private readonly getUseCase: GetBroadcastUseCase,
    private readonly scheduler: BroadcastScheduler,
  ) {}

  /** What the `smis.broadcasts.v1` consumer does with a record. */
  async accept(broadcast: Broadcast): Promise<AcceptOutcome> {
    const outcome = await this.acceptUseCase.execute(broadcast);
    this.scheduler.wake();
    return outcome;
  }

  /** What the list consumer does with a chunk (streamed: call it chunk by chunk). */
  receiveListChunk(chunk: BroadcastListChunk): Promise<ChunkOutcome> {
    return this.listUseCase.execute(chunk);
  }

  /** Runs the due broadcasts now (the poller does this every pollIntervalMs). */
  runDue(): Promise<RunSummary[]> {
    return this.runUseCase.execute();
  }

  cancel(senderId: string, broadcastId: string): Promise<void> {
    return this.cancelUseCase.execute(senderId, broadcastId);
  }

  get(senderId: string, broadcastId: string): Promise<BroadcastView> {
    return this.getUseCase.execute(senderId, broadcastId);
  }
}
