import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '@smis/messaging';
import type { BroadcastConfig } from './config';
import { BROADCAST_CONFIG } from './tokens';
import { RunBroadcastsUseCase } from './usecases/run-broadcast/run-broadcasts.usecase';

/**
 * Polls the durable schedule every `pollIntervalMs` (and at once when woken by a new broadcast or
 * a completed list); one round at a time per instance.
 */
@Injectable()
export class BroadcastScheduler {
  private readonly logger = new Logger('Broadcast');
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private again = false;
  private stopped = true;

  constructor(
    @Inject(BROADCAST_CONFIG) private readonly config: BroadcastConfig,
    private readonly run: RunBroadcastsUseCase,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.config.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.run
      .execute()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.warn(`Broadcast round failed: ${describeError(error)}`))
      .finally(() => {
        this.round = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.run.halt();
    await this.round;
  }
}
