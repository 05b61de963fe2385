import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { createSenderRegistry, DEFAULT_POLICY, SENDER_ID, type Sender } from '@smis/senders';
import { parseDocument, stringify } from 'yaml';
import { EXIT, type ExitCode } from '../exit-codes';
import { CliError, type CliIo } from '../io';
import type { SenderProfile } from './sender-profile';

export interface OnboardFlags {
  name: string;
  nameNl?: string;
  nameFr?: string;
  nameDe?: string;
  categories?: string;
  broadcast?: string;
  dailyQuota?: string;
  ratePerSecond?: string;
  quietHours?: string;
  registry: string;
  keys: string;
  gateway: string;
  brokers?: string;
  out?: string;
  provisioning?: string;
}

/**
 * Onboards a sender system: its Ed25519 signing key and digest key, its entry (keys and code of
 * conduct) in the sender registry, its Kafka principal in the provisioning file (status topic,
 * SCRAM user, ACLs: applied by `smis admin apply`), and the sender profile to hand over.
 */
export function runOnboard(senderId: string, flags: OnboardFlags, io: CliIo): ExitCode {
  if (!SENDER_ID.test(senderId)) {
    throw new CliError(
      `sender id '${senderId}' must be 1-64 lower-case letters, digits or dashes`,
      EXIT.usage,
    );
  }
  if (!existsSync(flags.keys)) {
    throw new CliError(`No platform keys at ${flags.keys}: run 'npm start' once, or pass --keys`, EXIT.usage);
  }
  const keys = JSON.parse(readFileSync(flags.keys, 'utf8')) as {
    pseudonym: { public: { systemPublicKey: string } };
    channels: { sms: { publicKey: string }; email: { publicKey: string } };
  };
  const registryDoc = existsSync(flags.registry)
    ? parseDocument(readFileSync(flags.registry, 'utf8'))
    : undefined;
  const existing = (registryDoc?.toJS() as { senders?: unknown[] } | undefined)?.senders ?? [];
  if (existing.some((s) => (s as { senderId?: string }).senderId === senderId)) {
    throw new CliError(`Sender '${senderId}' is already in ${flags.registry}`, EXIT.failure);
  }
  const pair = createSodiumEnvelopeCrypto().generateSenderKeyPair();
  const list = (value: string | undefined, fallback: string[]): string[] =>
    value
      ? value
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean)
      : fallback;
  const quiet = flags.quietHours ? /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(flags.quietHours) : undefined;
  if (flags.quietHours && !quiet) throw new CliError('--quiet-hours must look like 22:00-07:00', EXIT.usage);
  const entry: Sender = {
    senderId,
    displayName: {
      en: flags.name,
      ...(flags.nameNl ? { nl: flags.nameNl } : {}),
      ...(flags.nameFr ? { fr: flags.nameFr } : {}),
      ...(flags.nameDe ? { de: flags.nameDe } : {}),
    },
    signingKeys: [{ keyId: pair.keyId, publicKey: Buffer.from(pair.publicKey).toString('base64') }],
    policy: {
      ...DEFAULT_POLICY,
      allowedCategories: list(flags.categories, DEFAULT_POLICY.allowedCategories),
      broadcastCategories: list(flags.broadcast, []),
      dailyQuota: flags.dailyQuota ? Number(flags.dailyQuota) : DEFAULT_POLICY.dailyQuota,
      ratePerSecond: flags.ratePerSecond ? Number(flags.ratePerSecond) : DEFAULT_POLICY.ratePerSecond,
      ...(quiet ? { quietHours: { start: quiet[1], end: quiet[2] } } : {}),
    },
  };
  // Validates the whole registry as the platform will read it.
  createSenderRegistry([...existing, entry]);
  if (registryDoc) {
    registryDoc.addIn(['senders'], entry);
    writeFileSync(flags.registry, registryDoc.toString());
  } else {
    writeFileSync(flags.registry, stringify({ senders: [entry] }));
  }
  const profile: SenderProfile = {
    senderId,
    keyId: pair.keyId,
    secretKey: Buffer.from(pair.secretKey).toString('base64'),
    publicKey: Buffer.from(pair.publicKey).toString('base64'),
    digestKey: randomBytes(32).toString('base64'),
    systemPublicKey: keys.pseudonym.public.systemPublicKey,
    channelKeys: { sms: keys.channels.sms.publicKey, email: keys.channels.email.publicKey },
    gatewayUrl: flags.gateway,
    ...(flags.brokers ? { brokers: flags.brokers.split(',') } : {}),
  };
  const out = flags.out ?? `${senderId}.sender.json`;
  writeFileSync(out, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  io.stdout(`Onboarded '${senderId}' (signing key ${pair.keyId}).\n`);
  io.stdout(`  registry: ${flags.registry} (restart the platform, or reload, to take it in)\n`);
  io.stdout(`  sender profile (secret, hand it over safely): ${path.resolve(out)}\n`);
  if (flags.provisioning) {
    const doc = parseDocument(readFileSync(flags.provisioning, 'utf8'));
    const envName = `SMIS_KAFKA_PASSWORD_SENDER_${senderId.toUpperCase().replace(/-/g, '_')}`;
    doc.addIn(['senders'], {
      id: senderId,
      password: { env: envName },
      // A broadcasting sender also streams the recipient lists of its LIST broadcasts.
      produces:
        entry.policy.broadcastCategories.length > 0
          ? ['smis.requests.v1', 'smis.broadcasts.v1', 'smis.broadcasts.lists.v1']
          : ['smis.requests.v1'],
    });
    writeFileSync(flags.provisioning, doc.toString());
    io.stdout(
      `  Kafka: added to ${flags.provisioning}; set ${envName} and run 'smis admin apply ${flags.provisioning}'\n`,
    );
  }
  return EXIT.ok;
}
