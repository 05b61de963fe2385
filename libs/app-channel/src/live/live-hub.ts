import { Injectable } from '@nestjs/common';

export interface LiveEvent {
  type: 'message' | 'deleted' | 'read';
  messageId: string;
}

type Listener = (event: LiveEvent) => void;

/**
 * Open live connections (SSE) of this process, by device. A new message is offered to the
 * device's connection at once; a device with none gets a push instead.
 */
@Injectable()
export class LiveHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(deviceId: string, listener: Listener): () => void {
    let set = this.listeners.get(deviceId);
    if (!set) this.listeners.set(deviceId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(deviceId);
    };
  }

  isConnected(deviceId: string): boolean {
    return (this.listeners.get(deviceId)?.size ?? 0) > 0;
  }

  /** Offers the event to the device's connections; true when at least one took it. */
  publish(deviceId: string, event: LiveEvent): boolean {
    const set = this.listeners.get(deviceId);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) listener(event);
    return true;
  }

  /** Ends every connection (shutdown). */
  clear(): void {
    this.listeners.clear();
  }
}
