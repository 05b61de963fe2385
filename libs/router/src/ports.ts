import type { TranscryptionPort } from '@smis/pseudonym';
import type { SenderRegistry } from '@smis/senders';

/** Epoch milliseconds; injected so tests can move time (quiet hours, fallback windows). */
export type Clock = () => number;

/** What the router needs from outside (ADR 5): the platform wires them. */
export interface RouterPorts {
  /** The identity service's transcryptor (in-process or HTTP), entitled to router, app, sms, email. */
  transcryption: TranscryptionPort;
  /** Who may send, with which keys and policy. */
  senders: SenderRegistry;
  /** Defaults to Date.now. */
  clock?: Clock;
}
