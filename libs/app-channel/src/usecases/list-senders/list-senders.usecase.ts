import { Inject, Injectable } from '@nestjs/common';
import type { AppChannelPorts } from '../../ports';
import { APP_CHANNEL_PORTS } from '../../tokens';

export interface SenderDirectoryEntry {
  senderId: string;
  /** Display names per language (`en` always present). */
  displayName: Record<string, string>;
  logo: string | null;
  /** Ed25519 keys the app verifies envelopes with. */
  signingKeys: { keyId: string; publicKey: string; notAfter: string | null }[];
}

/** The published sender directory (from the sender registry): no policy, only what the app shows and verifies. */
@Injectable()
export class ListSendersUseCase {
  constructor(@Inject(APP_CHANNEL_PORTS) private readonly ports: AppChannelPorts) {}

  execute(): SenderDirectoryEntry[] {
    return this.ports.senders.list().map((s) => ({
      senderId: s.senderId,
      displayName: { ...s.displayName } as Record<string, string>,
      logo: s.logo ?? null,
      signingKeys: s.signingKeys.map((k) => ({
        keyId: k.keyId,
        publicKey: k.publicKey,
        notAfter: k.notAfter ?? null,
      })),
    }));
  }
}
