import type { MessageRequest } from '@smis/contracts';
import type { StatusStream, WatchOptions } from './status-stream';

/** How requests leave and statuses come back: Kafka or the REST gateway (or a test double). */
export interface SenderTransport {
  readonly kind: string;
  /** Publishes one signed request; rejects with a SenderSdkError. */
  publish(request: MessageRequest): Promise<void>;
  watch(options: WatchOptions): StatusStream;
  close(): Promise<void>;
}
