import { Inject, Injectable, Logger } from '@nestjs/common';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import type { DomainDecryptor, LocalPseudonym } from '@smis/pseudonym';
import { BroadcastTopics } from '../../broadcast/broadcast-topics';
import { AuthenticationError, ConflictError } from '../../errors';
import type { AppChannelPorts } from '../../ports';
import { appLocalPseudonyms } from '../../pseudonyms';
import { AppChannelStore } from '../../store';
import { APP_CHANNEL_PORTS, APP_DOMAIN_DECRYPTOR } from '../../tokens';
import type { RegisterDeviceCommand } from './register-device.command';

export interface RegisteredDevice {
  deviceId: string;
  keyId: string;
  /** How many identifiers (pseudonyms) the device is filed under. */
  identities: number;
}

/**
 * Verifies the credential (identity's CredentialVerifierPort), decrypts its app-domain pseudonyms,
 * pairs each with its polymorphic pseudonym (kept for router-domain preferences), and files the
 * device under each. A device id already filed under another citizen is refused.
 */
@Injectable()
export class RegisterDeviceUseCase {
  private readonly logger = new Logger('AppChannel');
  private readonly crypto = createSodiumEnvelopeCrypto();

  constructor(
    @Inject(APP_CHANNEL_PORTS) private readonly ports: AppChannelPorts,
    @Inject(APP_DOMAIN_DECRYPTOR) private readonly decryptor: DomainDecryptor,
    private readonly store: AppChannelStore,
    private readonly topics: BroadcastTopics,
  ) {}

  async execute(command: RegisterDeviceCommand): Promise<RegisteredDevice> {
    let credential;
    try {
      credential = await this.ports.credentials.verify(command.credential);
    } catch (error) {
      throw new AuthenticationError(`The enrolment credential was refused (${(error as Error).name})`);
    }
    const locals = [
      ...new Set(
        this.decryptor
          .decryptBatch(credential.app)
          .filter((o) => o.ok)
          .map((o) => (o as { value: LocalPseudonym }).value),
      ),
    ];
    if (locals.length === 0)
      throw new AuthenticationError('The enrolment credential carries no app-domain pseudonym');
    // Which polymorphic pseudonym belongs to which local pseudonym: transcrypt them to the app domain.
    const ppLocals = await appLocalPseudonyms(this.ports.transcription, this.decryptor, credential.pp);
    const ppOf = new Map<string, string>();
    ppLocals.forEach((local, i) => local && ppOf.set(local, credential.pp[i]));
    const keyId = this.crypto.keyIdOf(Buffer.from(command.encryptionPublicKey, 'base64'));

    await this.store.dataSource.transaction(async (manager) => {
      const existing = await this.store.findDevice(command.deviceId, manager);
      if (existing) {
        const filed = await this.store.pseudonymsOf(command.deviceId, manager);
        if (filed.length > 0 && !filed.some((p) => locals.includes(p as LocalPseudonym)))
          throw new ConflictError('This device id is registered to someone else; generate a new one');
      }
      await this.store.query(
        `INSERT INTO ${this.store.device} ("device_id", "key_id", "encryption_public_key", "signing_public_key",
           "push_provider", "push_token", "notifications_enabled", "locale", "app_version", "active")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true)
         ON CONFLICT ("device_id") DO UPDATE SET "key_id" = EXCLUDED."key_id",
           "encryption_public_key" = EXCLUDED."encryption_public_key", "signing_public_key" = EXCLUDED."signing_public_key",
           "push_provider" = EXCLUDED."push_provider", "push_token" = EXCLUDED."push_token",
           "notifications_enabled" = EXCLUDED."notifications_enabled", "locale" = EXCLUDED."locale",
           "app_version" = EXCLUDED."app_version", "active" = true, "revoked_at" = NULL, "updated_at" = now()`,
        [
          command.deviceId,
          keyId,
          command.encryptionPublicKey,
          command.signingPublicKey,
          command.push?.provider ?? null,
          command.push?.token ?? null,
          command.notificationsEnabled,
          command.locale,
          command.appVersion,
        ],
        manager,
      );
      await this.store.query(
        `DELETE FROM ${this.store.devicePseudonym} WHERE "device_id" = $1`,
        [command.deviceId],
        manager,
      );
      for (const pseudonym of locals) {
        await this.store.query(
          `INSERT INTO ${this.store.devicePseudonym} ("device_id", "pseudonym") VALUES ($1, $2) ON CONFLICT DO NOTHING`,
          [command.deviceId, pseudonym],
          manager,
        );
        await this.store.query(
          `INSERT INTO ${this.store.citizen} ("pseudonym", "polymorphic_pseudonym") VALUES ($1, $2)
           ON CONFLICT ("pseudonym") DO UPDATE SET "polymorphic_pseudonym" = COALESCE(EXCLUDED."polymorphic_pseudonym", ${this.store.citizen}."polymorphic_pseudonym")`,
          [pseudonym, ppOf.get(pseudonym) ?? null],
          manager,
        );
      }
    });
    await this.topics.syncDevice(command.deviceId);
    this.logger.log(
      `Device ${command.deviceId} registered (key ${keyId}, ${command.push?.provider ?? 'no push'})`,
    );
    return { deviceId: command.deviceId, keyId, identities: locals.length };
  }
}
