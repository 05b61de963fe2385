import type { Broadcast, MessageRequest } from '@smis/contracts';
import type { BroadcastListChunk } from '../broadcast/list-records';
import type { StatusStream, WatchOptions } from './status-stream';

/** How requests leave and statuses come back: Kafka or the REST gateway (or a test double). */
export interface SenderTransport {
  readonly kind: string;
  /** Publishes one signed request; rejects with a SenderSdkError. */
  publish(request: MessageRequest): Promise<void>;
  /**
   * Publishes one signed broadcast (smis.broadcasts.v1, key broadcastId). Absent: this transport
   * cannot broadcast (the REST gateway takes no broadcasts).
   */
  publishBroadcast?(broadcast: Broadcast): Promise<void>;
  /** Publishes one chunk of a LIST broadcast (smis.broadcasts.lists.v1, key broadcastId), once the previous one is. */
  publishListChunk?(chunk: BroadcastListChunk): Promise<void>;
  watch(options: WatchOptions): StatusStream;
  close(): Promise<void>;
}
