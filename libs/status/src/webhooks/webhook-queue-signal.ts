import { Injectable } from '@nestjs/common';

/** Tells this process's webhook poller that deliveries were queued (other instances find them by polling). */
@Injectable()
export class WebhookQueueSignal {
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  onNotify(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
