import { Injectable } from '@nestjs/common';
import { broadcastForDevice } from '../../broadcast/broadcast-visibility';
import { NotFoundError } from '../../errors';
import { AppChannelStore, type DeviceRow } from '../../store';
import { inboxItem, type InboxItemView } from '../sync-inbox/sync-inbox.usecase';

export interface MessageEnvelopeView extends InboxItemView {
  /**
   * The envelope exactly as the sender made it (base64): for a message, sealed to the device's key;
   * for a broadcast, the signed content the app verifies with `broadcast`.
   */
  envelope: string;
  /**
   * For broadcasts: what the app needs to verify the sender's Ed25519 signature itself against the
   * sender directory (`signingInput` is broadcastSigningInput of the Broadcast record, which
   * covers the envelope). `verified`: the platform checked it against the SenderRegistry on intake.
   */
  broadcast?: {
    senderKeyId: string;
    category: string;
    signature: string;
    signingInput: string;
    verified: true;
  };
}

@Injectable()
export class FetchMessageUseCase {
  constructor(private readonly store: AppChannelStore) {}

  async execute(device: DeviceRow, messageId: string): Promise<MessageEnvelopeView> {
    const message = await this.store.messageForDevice(messageId, device);
    if (message?.envelope) return { ...inboxItem(message), envelope: message.envelope.toString('base64') };
    const b = message ? undefined : await broadcastForDevice(this.store, messageId, device);
    if (!b) throw new NotFoundError(`No message ${messageId} for this device`);
    return {
      ...inboxItem(
        {
          seq: b.seq,
          message_id: b.broadcast_id,
          pseudonym: '',
          sender_id: b.sender_id,
          plan_id: '',
          attempt: 0,
          priority: b.priority,
          envelope: b.envelope,
          key_ids: [],
          received_at: b.published_at,
          expires_at: b.expires_at,
          dispatched_at: null,
          delivered_at: b.delivered_at,
          read_at: b.read_at,
        },
        'broadcast',
      ),
      envelope: b.envelope.toString('base64'),
      broadcast: {
        senderKeyId: b.sender_key_id,
        category: b.category,
        signature: b.signature.toString('base64'),
        signingInput: b.signing_input.toString('base64'),
        verified: true,
      },
    };
  }
}
