import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SenderClientConfig } from '@smis/sender-sdk';
import { EXIT } from '../exit-codes';
import { CliError } from '../io';

/**
 * What a sender system needs to send: its identity and keys, and the platform's public keys.
 * The platform team hands it out as one JSON file (`--profile`); locally, `npm start` leaves the
 * pieces in `.smis` (demo-sender.json and keys.json) and the CLI assembles them.
 */
export interface SenderProfile {
  senderId: string;
  keyId: string;
  /** Ed25519 secret key, base64 (64 bytes). */
  secretKey: string;
  publicKey: string;
  /** base64, 32 bytes. */
  digestKey: string;
  /** The platform's pseudonymization public key (hex). */
  systemPublicKey: string;
  channelKeys: { sms: string; email: string };
  gatewayUrl: string;
  /** Kafka bootstrap servers; without them the REST gateway is used. */
  brokers?: string[];
}

export interface ProfileFlags {
  profile?: string;
  gateway?: string;
  brokers?: string;
  rest?: boolean;
}

function readJson(file: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`Cannot read ${what} ${file}: ${(error as Error).message}`, EXIT.failure);
  }
}

/** The profile from --profile, or the local one `npm start` created in $SMIS_DATA_DIR (.smis). */
export function loadSenderProfile(flags: ProfileFlags, env: NodeJS.ProcessEnv): SenderProfile {
  let profile: SenderProfile;
  if (flags.profile) {
    profile = readJson(flags.profile, 'the sender profile') as unknown as SenderProfile;
  } else {
    const dir = path.resolve(env.SMIS_DATA_DIR ?? '.smis');
    const senderFile = path.join(dir, 'demo-sender.json');
    const keysFile = path.join(dir, 'keys.json');
    if (!existsSync(senderFile) || !existsSync(keysFile)) {
      throw new CliError(
        `No sender profile: pass --profile <file>, or run 'npm start' once so ${senderFile} and ${keysFile} exist`,
        EXIT.usage,
      );
    }
    const sender = readJson(senderFile, 'the demo sender');
    const keys = readJson(keysFile, 'the platform keys') as {
      pseudonym: { public: { systemPublicKey: string } };
      channels: { sms: { publicKey: string }; email: { publicKey: string } };
    };
    profile = {
      ...(sender as unknown as Pick<
        SenderProfile,
        'senderId' | 'keyId' | 'secretKey' | 'publicKey' | 'digestKey'
      >),
      systemPublicKey: keys.pseudonym.public.systemPublicKey,
      channelKeys: { sms: keys.channels.sms.publicKey, email: keys.channels.email.publicKey },
      gatewayUrl: `http://127.0.0.1:${env.PORT ?? '8080'}`,
      brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    };
  }
  if (flags.gateway) profile.gatewayUrl = flags.gateway;
  if (flags.brokers) profile.brokers = flags.brokers.split(',');
  if (flags.rest) profile.brokers = undefined;
  const missing = [
    'senderId',
    'keyId',
    'secretKey',
    'publicKey',
    'digestKey',
    'systemPublicKey',
    'gatewayUrl',
  ].filter((k) => !(profile as unknown as Record<string, unknown>)[k]);
  if (missing.length > 0) throw new CliError(`The sender profile lacks ${missing.join(', ')}`, EXIT.usage);
  return profile;
}

export function clientConfig(profile: SenderProfile): SenderClientConfig {
  const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
  return {
    senderId: profile.senderId,
    signingKey: {
      keyId: profile.keyId,
      publicKey: b64(profile.publicKey),
      secretKey: b64(profile.secretKey),
    },
    digestKey: b64(profile.digestKey),
    systemPublicKey: { version: 1, systemPublicKey: profile.systemPublicKey },
    channelKeys: { sms: b64(profile.channelKeys.sms), email: b64(profile.channelKeys.email) },
    transport: profile.brokers?.length
      ? { kind: 'kafka', brokers: profile.brokers, gatewayUrl: profile.gatewayUrl }
      : { kind: 'rest', gatewayUrl: profile.gatewayUrl },
  };
}
