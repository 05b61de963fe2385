import { MembershipLostError } from '@smis/messaging';

/** True for @smis/messaging's `MembershipLostError`: a heartbeat found this member out of its group. */
export function isMembershipLost(error: unknown): error is MembershipLostError {
  return error instanceof MembershipLostError;
}
