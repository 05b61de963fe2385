import type { MessageRequest } from '@smis/contracts';
import type { BatchOutcome, EncryptedPseudonym, PseudonymDomain } from '@smis/pseudonym';
import type { Sender } from '@smis/senders';

/** An authenticated request, with its recipient already transcrypted (in a batch) for the domains it may need. */
export class AcceptRequestCommand {
  private constructor(
    readonly request: MessageRequest,
    readonly sender: Sender,
    readonly recipients: Readonly<Partial<Record<PseudonymDomain, BatchOutcome<EncryptedPseudonym>>>>,
  ) {}

  static create(
    request: MessageRequest,
    sender: Sender,
    recipients: Partial<Record<PseudonymDomain, BatchOutcome<EncryptedPseudonym>>>,
  ): AcceptRequestCommand {
    if (request.senderId !== sender.senderId) throw new TypeError('request and sender do not match');
    return new AcceptRequestCommand(request, sender, recipients);
  }
}

/** What happened to the request; `deadLetter` names why the record must also go to the DLQ. */
export interface AcceptOutcome {
  kind: 'already-known' | 'accepted' | 'deferred' | 'rejected' | 'duplicate';
  reason?: string;
  deadLetter?: string;
}
