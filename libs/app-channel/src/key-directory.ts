import { Inject, Injectable } from '@nestjs/common';
import type { DomainDecryptor, PolymorphicPseudonym } from '@smis/pseudonym';
import type { AppChannelPorts, KeyDirectoryPort, Reachability } from './ports';
import { appLocalPseudonyms } from './pseudonyms';
import { AppChannelStore } from './store';
import { APP_CHANNEL_PORTS, APP_DOMAIN_DECRYPTOR } from './tokens';

/**
 * The key directory (ADR 5): polymorphic pseudonym → app-domain local pseudonym (transcryptor,
 * then this domain's key) → the active devices' X25519 public keys, whether the app is installed
 * and whether notifications are on. An invalid pseudonym throws the transcryptor's error.
 */
@Injectable()
export class KeyDirectoryService implements KeyDirectoryPort {
  constructor(
    @Inject(APP_CHANNEL_PORTS) private readonly ports: AppChannelPorts,
    @Inject(APP_DOMAIN_DECRYPTOR) private readonly decryptor: DomainDecryptor,
    private readonly store: AppChannelStore,
  ) {}

  async lookup(recipient: PolymorphicPseudonym): Promise<Reachability> {
    const [outcome] = await this.ports.transcription.transcrypt([recipient], 'app');
    if (!outcome.ok) throw outcome.error;
    const local = this.decryptor.decrypt(outcome.value);
    const devices = await this.store.activeDevicesOf([local]);
    return {
      appInstalled: devices.length > 0,
      notificationsEnabled: devices.some((d) => d.notifications_enabled),
      devices: devices.map((d) => ({ keyId: d.key_id, publicKey: d.encryption_public_key })),
    };
  }

  /** Several at once (one transcryption batch); unknown or invalid entries answer "not installed". */
  async lookupMany(recipients: readonly PolymorphicPseudonym[]): Promise<Reachability[]> {
    const locals = await appLocalPseudonyms(this.ports.transcription, this.decryptor, recipients);
    return Promise.all(
      locals.map(async (local) => {
        const devices = local ? await this.store.activeDevicesOf([local]) : [];
        return {
          appInstalled: devices.length > 0,
          notificationsEnabled: devices.some((d) => d.notifications_enabled),
          devices: devices.map((d) => ({ keyId: d.key_id, publicKey: d.encryption_public_key })),
        };
      }),
    );
  }
}
