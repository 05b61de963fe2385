/**
 * Test-only: the keys of a small platform (pseudonymization, channels, a sender, citizens'
 * devices) and the config of a sender client for it. Not exported from the package.
 */
import { createSodiumEnvelopeCrypto, createTweetnaclEnvelopeCrypto, type DeviceKeyPair } from '@smis/crypto';
import {
  createDomainDecryptor,
  createTranscryptor,
  generatePseudonymKeys,
  type LocalPseudonym,
  type PolymorphicPseudonym,
} from '@smis/pseudonym';
import { randomBytes } from 'node:crypto';
import type { Reachability } from '../types';

export const NISS = 'niss:93051822361';
export const PHONE = 'tel:+32470123456';

export function createPlatformFixture(senderId: string) {
  const sodium = createSodiumEnvelopeCrypto();
  const pseudonymKeys = generatePseudonymKeys();
  const transcryptor = createTranscryptor(pseudonymKeys.transcryptor);
  const appKey = pseudonymKeys.domainKeys.find((k) => k.domain === 'app');
  if (!appKey) throw new Error('generatePseudonymKeys made no app domain key');
  const appDecryptor = createDomainDecryptor(appKey);
  const senderKey = sodium.generateSenderKeyPair();
  const smsChannel = sodium.generateDeviceKeyPair();
  const emailChannel = sodium.generateDeviceKeyPair();
  const digestKey = new Uint8Array(randomBytes(32));
  /** The key directory: devices by app-domain local pseudonym, as the app channel files them. */
  const directory = new Map<LocalPseudonym, DeviceKeyPair[]>();

  const appPseudonymOf = (pp: PolymorphicPseudonym): LocalPseudonym =>
    appDecryptor.decrypt(transcryptor.transcrypt(pp, 'app'));

  return {
    senderId,
    senderKey,
    smsChannel,
    emailChannel,
    digestKey,
    systemPublicKey: pseudonymKeys.public,
    tweetnacl: createTweetnaclEnvelopeCrypto(),
    appPseudonymOf,
    /** Registers `count` devices for the citizen behind `identifierPseudonym`; returns their key pairs. */
    registerDevices(pp: PolymorphicPseudonym, count: number): DeviceKeyPair[] {
      const devices = Array.from({ length: count }, () => sodium.generateDeviceKeyPair());
      directory.set(appPseudonymOf(pp), devices);
      return devices;
    },
    reachabilityOf(pp: PolymorphicPseudonym): Reachability {
      const devices = directory.get(appPseudonymOf(pp)) ?? [];
      return {
        appInstalled: devices.length > 0,
        notificationsEnabled: devices.length > 0,
        devices: devices.map((d) => ({
          keyId: d.keyId,
          publicKey: Buffer.from(d.publicKey).toString('base64'),
        })),
      };
    },
    /** The sender directory as the app and the router see it. */
    lookupSenderKey: (id: string, keyId: string) =>
      id === senderId && keyId === senderKey.keyId ? senderKey.publicKey : undefined,
    clientConfig(
      transport:
        { kind: 'rest'; gatewayUrl: string } | { kind: 'kafka'; gatewayUrl: string; brokers: string[] },
    ) {
      return {
        senderId,
        signingKey: senderKey,
        digestKey,
        systemPublicKey: pseudonymKeys.public,
        channelKeys: { sms: smsChannel.publicKey, email: emailChannel.publicKey },
        transport,
      };
    },
  };
}

export type PlatformFixture = ReturnType<typeof createPlatformFixture>;
