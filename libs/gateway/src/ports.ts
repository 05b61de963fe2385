import type { PolymorphicPseudonym } from '@smis/pseudonym';
import type { SenderRegistry } from '@smis/senders';

/** ADR 5: what the key directory (app channel) tells about a citizen. */
export interface Reachability {
  /** At least one active device. */
  appInstalled: boolean;
  /** At least one device with notifications on. */
  notificationsEnabled: boolean;
  devices: { keyId: string; publicKey: string /* base64 X25519 */ }[];
}

/** ADR 5: implemented by the app channel (in-process or HTTP); the platform wires it. */
export interface KeyDirectoryPort {
  lookup(recipient: PolymorphicPseudonym): Promise<Reachability>;
  /**
   * Several at once, answers in the same order (the app channel's KeyDirectoryService has it).
   * Without it, a batched lookup asks `lookup` for each recipient.
   */
  lookupMany?(recipients: readonly PolymorphicPseudonym[]): Promise<Reachability[]>;
}

/** A message's status for its sender (`StatusService` of @smis/status fits). Rejects with an error named `NotFoundError` when unknown. */
export interface MessageStatusPort {
  getMessageStatus(senderId: string, messageId: string): Promise<unknown>;
}

/** A sender's code-of-conduct scorecard (`RouterScorecardService` of @smis/router fits). */
export interface SenderScorecardPort {
  scorecard(senderId: string, since?: number): Promise<unknown>;
}

export interface GatewayPorts {
  senders: SenderRegistry;
  keyDirectory: KeyDirectoryPort;
  status: MessageStatusPort;
  scorecard: SenderScorecardPort;
  /** Epoch ms; defaults to Date.now. */
  clock?: () => number;
}
