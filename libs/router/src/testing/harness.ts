/**
 * Test support for the router's integration tests (not exported from the library): keys, an
 * in-process transcryptor, senders and signed requests made exactly as a sender SDK makes them.
 */
import {
  createAvroCodec,
  messageRequestSigningInput,
  type Channel,
  type MessageRequest,
  type Priority,
} from '@smis/contracts';
import { createSodiumEnvelopeCrypto, encodeEnvelope, type SenderKeyPair } from '@smis/crypto';
import { generateKeyring, type PlatformKeyring } from '@smis/keyring';
import { createPseudonymizer, createTranscryptor, type TranscryptionPort } from '@smis/pseudonym';
import { createSenderRegistry, DEFAULT_POLICY, type SenderPolicy, type SenderRegistry } from '@smis/senders';
import { createHmac, createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { polymorphicFromWire } from '../domain/wire';
import { AcceptRequestCommand } from '../usecases/accept-requests/accept-request.command';
import { domainsFor } from '../usecases/accept-requests/accept-request.usecase';

export const envelopeCrypto = createSodiumEnvelopeCrypto();

export interface TestSender {
  senderId: string;
  keys: SenderKeyPair;
  policy: Partial<SenderPolicy>;
}

export function newSender(prefix: string, policy: Partial<SenderPolicy> = {}): TestSender {
  return {
    senderId: `${prefix}-${randomBytes(4).toString('hex')}`,
    keys: envelopeCrypto.generateSenderKeyPair(),
    policy,
  };
}

export function registryOf(senders: readonly TestSender[]): SenderRegistry {
  return createSenderRegistry(senders.map(senderEntry));
}

export function senderEntry(s: TestSender): unknown {
  return {
    senderId: s.senderId,
    displayName: { en: s.senderId },
    signingKeys: [{ keyId: s.keys.keyId, publicKey: Buffer.from(s.keys.publicKey).toString('base64') }],
    policy: { ...DEFAULT_POLICY, ...s.policy },
  };
}

export function inProcessTranscryption(keyring: PlatformKeyring): TranscryptionPort & { calls: number } {
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  const port = {
    calls: 0,
    async transcrypt(
      pseudonyms: Parameters<TranscryptionPort['transcrypt']>[0],
      domain: Parameters<TranscryptionPort['transcrypt']>[1],
    ) {
      port.calls += 1;
      return transcryptor.transcryptBatch(pseudonyms, domain);
    },
  };
  return port;
}

export function routerDomainKey(keyring: PlatformKeyring) {
  const key = keyring.pseudonym.domainKeys.find((k) => k.domain === 'router');
  if (!key) throw new Error('keyring without a router domain key');
  return key;
}

/** A fresh citizen identifier (a Belgian mobile number). */
export function newCitizen(): string {
  return `tel:+32470${String(100000 + Math.floor(Math.random() * 899999))}`;
}

export interface RequestOptions {
  citizen: string;
  now: number;
  messageId?: string;
  idempotencyKey?: string;
  category?: string;
  priority?: Priority;
  allowedChannels?: Channel[];
  fallbackWindowSeconds?: number;
  expiresInMs?: number;
  content?: string;
  contentBytes?: number;
}

/** Makes signed, sealed requests for one sender, as the SDK would. */
export class RequestFactory {
  private readonly pseudonymizer;
  private readonly digestKey = randomBytes(32);
  constructor(
    private readonly keyring: PlatformKeyring,
    readonly sender: TestSender,
  ) {
    this.pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
  }

  polymorphic(citizen: string): Buffer {
    return Buffer.from(this.pseudonymizer.polymorphicPseudonym(citizen), 'base64url');
  }

  build(options: RequestOptions): MessageRequest {
    const messageId = options.messageId ?? randomUUID();
    const { senderId, keys } = this.sender;
    const content = options.contentBytes
      ? randomBytes(options.contentBytes)
      : Buffer.from(options.content ?? `content ${messageId}`, 'utf8');
    const device = envelopeCrypto.generateDeviceKeyPair();
    const envelope = Buffer.from(
      encodeEnvelope(
        envelopeCrypto.seal(
          { senderId, messageId, createdAt: options.now, content, recipients: [device] },
          keys,
        ),
      ),
    );
    const sms = Buffer.from(this.keyring.channels.sms.publicKey, 'base64');
    const email = Buffer.from(this.keyring.channels.email.publicKey, 'base64');
    const unsigned: Omit<MessageRequest, 'signature'> = {
      messageId,
      senderId,
      senderKeyId: keys.keyId,
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      createdAt: options.now,
      expiresAt: options.now + (options.expiresInMs ?? 3_600_000),
      recipient: this.polymorphic(options.citizen),
      category: options.category ?? 'tax',
      priority: options.priority ?? 'NORMAL',
      fallbackWindowSeconds: options.fallbackWindowSeconds ?? 60,
      allowedChannels: options.allowedChannels ?? ['APP', 'SMS', 'EMAIL'],
      envelope,
      smsFallback: Buffer.from(
        envelopeCrypto.sealFallbackText({ senderId, messageId, text: 'sms text' }, sms, keys),
      ),
      emailFallback: Buffer.from(
        envelopeCrypto.sealFallbackText({ senderId, messageId, text: 'mail text' }, email, keys),
      ),
      content: {
        languages: ['nl'],
        parts: [{ kind: 'TEXT', sizeBytes: content.length }],
        totalSizeBytes: content.length,
      },
      contentDigest: createHmac('sha256', this.digestKey).update(content).digest(),
    };
    return { ...unsigned, signature: signRequest(unsigned, keys) };
  }
}

export function signRequest(unsigned: Omit<MessageRequest, 'signature'>, keys: SenderKeyPair): Buffer {
  const secret = Buffer.from(keys.secretKey);
  const privateKey = createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: secret.subarray(0, 32).toString('base64url'),
      x: secret.subarray(32).toString('base64url'),
    },
    format: 'jwk',
  });
  return sign(null, messageRequestSigningInput(unsigned), privateKey);
}

export const codec = createAvroCodec();

export async function encodeRequest(request: MessageRequest): Promise<{ key: string; value: Buffer }> {
  return { key: request.messageId, value: await codec.encode('MessageRequest', request) };
}

export { generateKeyring };

/**
 * Commands as the requests handler makes them: each request's recipient transcrypted into every
 * domain it needs, a batch per domain.
 */
export async function acceptCommandsFor(
  requests: readonly MessageRequest[],
  transcription: TranscryptionPort,
  senders: SenderRegistry,
): Promise<AcceptRequestCommand[]> {
  const recipients = requests.map(() => ({}) as Parameters<typeof AcceptRequestCommand.create>[2]);
  const byDomain = new Map<ReturnType<typeof domainsFor>[number], number[]>();
  requests.forEach((r, i) => {
    for (const d of domainsFor(r)) byDomain.set(d, [...(byDomain.get(d) ?? []), i]);
  });
  for (const [domain, indexes] of byDomain) {
    const outcomes = await transcription.transcrypt(
      indexes.map((i) => polymorphicFromWire(requests[i].recipient)),
      domain,
    );
    indexes.forEach((i, k) => (recipients[i][domain] = outcomes[k]));
  }
  return requests.map((r, i) => {
    const sender = senders.get(r.senderId);
    if (!sender) throw new Error(`no sender ${r.senderId}`);
    return AcceptRequestCommand.create(r, sender, recipients[i]);
  });
}
