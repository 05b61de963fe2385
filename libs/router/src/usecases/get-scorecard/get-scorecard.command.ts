import { isValidSenderId } from '@smis/contracts';

export class GetScorecardCommand {
  private constructor(
    readonly senderId: string,
    readonly since: number,
  ) {}

  /** `since`: epoch ms, default 30 days before `now`. */
  static create(senderId: string, now: number, since?: number): GetScorecardCommand {
    if (!isValidSenderId(senderId)) throw new RangeError(`invalid senderId ${JSON.stringify(senderId)}`);
    if (since !== undefined && !Number.isFinite(since))
      throw new RangeError('since must be epoch milliseconds');
    return new GetScorecardCommand(senderId, since ?? now - 30 * 86_400_000);
  }
}

/** A sender's code-of-conduct record over a period: what it sent and how citizens received it. */
export interface SenderScorecard {
  senderId: string;
  /** Start of the period (ISO 8601). */
  since: string;
  /** Requests decided (authenticated requests only). */
  volume: number;
  accepted: number;
  deferred: number;
  rejected: number;
  rejectionsByReason: Record<string, number>;
  delivered: number;
  read: number;
  failed: number;
  expired: number;
  /** delivered / (accepted + deferred). */
  deliveryRate: number;
  /** read / delivered. */
  readRate: number;
  /** Citizens who currently mute this sender. */
  mutedBy: number;
  /** Citizens reached in the period. */
  citizensReached: number;
  /** mutedBy / citizensReached (0 when nobody was reached). */
  muteRate: number;
}
