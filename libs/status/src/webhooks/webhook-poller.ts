import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '@smis/messaging';
import type { StatusConfig } from '../config';
import { STATUS_CONFIG } from '../tokens';
import { DeliverWebhooksUseCase } from '../usecases/deliver-webhooks/deliver-webhooks.usecase';
import { PollingLoop } from './polling-loop';
import { WebhookQueueSignal } from './webhook-queue-signal';

/** Runs the webhook queue in this instance: rounds on a timer, at once when this instance queues deliveries. */
@Injectable()
export class WebhookPoller {
  private readonly logger = new Logger('StatusWebhooks');
  private readonly loop: PollingLoop;
  private unsubscribe?: () => void;

  constructor(
    private readonly deliver: DeliverWebhooksUseCase,
    private readonly signal: WebhookQueueSignal,
    @Inject(STATUS_CONFIG) config: StatusConfig,
  ) {
    this.loop = new PollingLoop(
      async () => (await this.deliver.execute()) === config.webhooks.batchSize,
      config.webhooks.pollIntervalMs,
      (error) => this.logger.warn(`Webhook round failed; retrying at the next poll: ${describeError(error)}`),
    );
  }

  start(): void {
    this.unsubscribe ??= this.signal.onNotify(() => this.loop.wake());
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.loop.stop();
  }
}
