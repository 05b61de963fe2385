import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { stringify } from 'yaml';

/** The demo sender `npm start` registers, so the printed demo command works out of the box. */
export interface DemoSender {
  senderId: string;
  keyId: string;
  /** Ed25519, base64 (64 bytes: seed || public key). Secret. */
  secretKey: string;
  publicKey: string;
  /** Keys the content digest; base64. Secret. */
  digestKey: string;
}

export const DEMO_SENDER_ID = 'demo-health';

/**
 * Creates `<dataDir>/demo-sender.json` (mode 0600) and a sender registry `<dataDir>/senders.yaml`
 * holding its public key, once. An existing registry is left alone.
 */
export function ensureDemoSender(dataDir: string): { sender: DemoSender; created: boolean; file: string } {
  const file = path.join(dataDir, 'demo-sender.json');
  const registry = path.join(dataDir, 'senders.yaml');
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(file))
    return { sender: JSON.parse(readFileSync(file, 'utf8')) as DemoSender, created: false, file };
  const pair = createSodiumEnvelopeCrypto().generateSenderKeyPair();
  const sender: DemoSender = {
    senderId: DEMO_SENDER_ID,
    keyId: pair.keyId,
    secretKey: Buffer.from(pair.secretKey).toString('base64'),
    publicKey: Buffer.from(pair.publicKey).toString('base64'),
    digestKey: randomBytes(32).toString('base64'),
  };
  writeFileSync(file, `${JSON.stringify(sender, null, 2)}\n`, { mode: 0o600 });
  if (!existsSync(registry)) {
    const entry = {
      senderId: sender.senderId,
      displayName: {
        en: 'Health demo service',
        nl: 'Demodienst Gezondheid',
        fr: 'Service démo Santé',
        de: 'Demo-Gesundheitsdienst',
      },
      signingKeys: [{ keyId: sender.keyId, publicKey: sender.publicKey }],
      policy: { allowedCategories: ['health', 'administration', 'alert'], broadcastCategories: ['alert'] },
    };
    writeFileSync(registry, stringify({ senders: [entry] }));
  }
  return { sender, created: true, file };
}
