import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { isValidSenderId } from '@smis/contracts';
import {
  createSodiumEnvelopeCrypto,
  type DevicePublicKey,
  type EnvelopeCrypto,
  type SenderKeyPair,
} from '@smis/crypto';
import { encodeContent, isContentError, measureContent } from '@smis/message-content';
import {
  createPseudonymizer,
  PseudonymConfigError,
  type ParseOptions,
  type PolymorphicPseudonym,
  type Pseudonymizer,
  type SystemPublicKeyConfig,
} from '@smis/pseudonym';
import type { BroadcastInput, BroadcastOptions, BroadcastResult } from './broadcast/broadcast-input';
import type { BroadcastView, WatchBroadcastOptions } from './broadcast/broadcast-progress';
import { createBroadcaster } from './broadcast/broadcaster';
import { sendBulk, type BulkInput, type BulkOptions, type BulkSummary } from './bulk';
import {
  InvalidSendRequestError,
  SenderConfigError,
  TransportError,
  UnreachableRecipientError,
} from './errors';
import { GatewayClient } from './gateway/gateway-client';
import { DeviceKeyCache, keyCacheOptions, type KeyCacheOptions, type KeyDirectory } from './key-cache';
import { asInvalidPseudonym, looksLikePseudonym, parseRecipient } from './recipient';
import { buildMessageRequest, type SenderKeys } from './request-builder';
import { checkSendInput } from './send-input';
import { senderPrivateKey } from './signing-key';
import { KafkaSenderTransport, type KafkaTransportOptions } from './transport/kafka-transport';
import { publishBatchOptions } from './transport/publish-batcher';
import { RestSenderTransport, type RestTransportOptions } from './transport/rest-transport';
import type { StatusStream, WatchOptions } from './transport/status-stream';
import type { SenderTransport } from './transport/transport';
import type { Reachability, Recipient, SendInput, SendResult } from './types';

export interface SenderClientConfig {
  /** As provisioned by the platform team: 1-64 of [a-z0-9-]. */
  readonly senderId: string;
  /** The Ed25519 key registered for the sender (its keyId is in the sender directory). */
  readonly signingKey: SenderKeyPair;
  /** Secret key of the content digest (BLAKE2b keyed): 32 random bytes, kept by the sender, stable. */
  readonly digestKey: Uint8Array;
  /** The platform's system public key (pseudonymization). */
  readonly systemPublicKey: SystemPublicKeyConfig;
  /** X25519 public keys of the SMS and e-mail channels; fallback texts are sealed to them. */
  readonly channelKeys: { readonly sms: Uint8Array; readonly email: Uint8Array };
  readonly transport: KafkaTransportOptions | RestTransportOptions;
  /** How raw phone numbers are read (default region BE). */
  readonly identifiers?: Pick<ParseOptions, 'defaultRegion'>;
  /** Per gateway HTTP request (default 10 s). */
  readonly gatewayTimeoutMs?: number;
  /**
   * Device-key lookups per recipient: reused for `ttlMs` (default 60 s), shared by concurrent
   * sends, batched when many are pending. `{ ttlMs: 0 }` asks for every send (ADR 1000).
   */
  readonly keyCache?: KeyCacheOptions;
}

/** Replaceable parts, for tests and unusual deployments. */
export interface SenderClientDependencies {
  readonly transport?: SenderTransport;
  /** Where device keys come from (default: the gateway's POST /v1/gateway/keys/lookup[/batch]). */
  readonly keyDirectory?: KeyDirectory;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly crypto?: EnvelopeCrypto;
}

export interface SenderClient {
  readonly senderId: string;
  /** The citizen's polymorphic pseudonym; fresh randomness every call. Throws InvalidRecipientError. */
  recipientOf(identifier: string): PolymorphicPseudonym;
  /**
   * Whether the citizen has the app, notifications, and which device keys: always asks the
   * directory, and the answer replaces the one sends reuse for this citizen.
   */
  lookup(recipient: Recipient): Promise<Reachability>;
  /** Seals, signs and publishes one message. */
  send(input: SendInput): Promise<SendResult>;
  /** Many messages, at most `concurrency` in flight. */
  sendBulk(inputs: BulkInput, options?: BulkOptions): Promise<BulkSummary>;
  /**
   * Signs and publishes a broadcast to everyone, alert regions or an explicit list (Kafka
   * transport). A list is read once, pseudonymized, spooled (never whole in memory) and streamed
   * in chunks after the Broadcast that names its count and digest (ADR 1100).
   */
  broadcast(input: BroadcastInput, options?: BroadcastOptions): Promise<BroadcastResult>;
  /** A broadcast's state and aggregated progress (targeted, pushes sent, delivered, read). */
  broadcastStatus(broadcastId: string): Promise<BroadcastView>;
  /** The broadcast's progress as it changes, until it is DONE, CANCELLED, EXPIRED or REJECTED. */
  watchBroadcast(broadcastId: string, options?: WatchBroadcastOptions): AsyncIterableIterator<BroadcastView>;
  /**
   * Cancels a broadcast that is receiving its list, scheduled or running: it leaves every inbox and
   * its fan-out stops. Cancelling it again is fine; a finished one: BroadcastStateError.
   */
  cancelBroadcast(broadcastId: string): Promise<void>;
  /** Every status of this sender's messages (Kafka transport). */
  statuses(options?: Omit<WatchOptions, 'messageIds'>): StatusStream;
  /** Statuses, of some messages only when `messageIds` is given (required with REST). */
  watch(options?: WatchOptions): StatusStream;
  /** Closes streams and connections. */
  close(): Promise<void>;
}

export function createSenderClient(
  config: SenderClientConfig,
  deps: SenderClientDependencies = {},
): SenderClient {
  checkConfig(config);
  const now = deps.now ?? Date.now;
  const crypto = deps.crypto ?? createSodiumEnvelopeCrypto();
  const privateKey = senderPrivateKey(config.signingKey);
  const keys: SenderKeys = {
    senderId: config.senderId,
    signingKey: config.signingKey,
    privateKey,
    digestKey: config.digestKey,
    channelKeys: config.channelKeys,
  };
  let pseudonymizer: Pseudonymizer;
  try {
    pseudonymizer = createPseudonymizer(config.systemPublicKey, config.identifiers ?? {});
  } catch (error) {
    if (error instanceof PseudonymConfigError)
      throw new SenderConfigError(`systemPublicKey (${error.path})`, error.message);
    throw error;
  }
  const gateway = new GatewayClient({
    gatewayUrl: config.transport.gatewayUrl,
    senderId: config.senderId,
    keyId: config.signingKey.keyId,
    privateKey,
    timeoutMs: config.gatewayTimeoutMs,
    fetch: deps.fetch,
    now,
  });
  const keyDirectory: KeyDirectory = deps.keyDirectory ?? gateway;
  const deviceKeys = new DeviceKeyCache(keyDirectory, config.keyCache, now);
  // Cache keys: a keyed hash of the canonical identifier (or of the pseudonym as given), so the
  // cache holds no NISS or phone number.
  const cacheSecret = randomBytes(32);
  const cacheKeyOf = (text: string): string =>
    createHmac('sha256', cacheSecret).update(text).digest('base64url');
  const transport =
    deps.transport ??
    (config.transport.kind === 'kafka'
      ? new KafkaSenderTransport(config.senderId, config.transport)
      : new RestSenderTransport(config.senderId, gateway, config.transport));

  const recipientOf = (identifier: string): PolymorphicPseudonym =>
    pseudonymizer.polymorphicPseudonym(parseRecipient(identifier, config.identifiers ?? {}));

  /**
   * The recipient's cache key and a maker of fresh pseudonyms for it (each call a new
   * randomization, so the lookup and the request cannot be linked by their ciphertexts).
   * Throws InvalidRecipientError.
   */
  const targetOf = (recipient: Recipient): { key: string; pseudonym: () => PolymorphicPseudonym } => {
    if (typeof recipient === 'string' && looksLikePseudonym(recipient)) {
      const fresh = (): PolymorphicPseudonym => {
        try {
          return pseudonymizer.rerandomize(recipient);
        } catch (error) {
          return asInvalidPseudonym(error);
        }
      };
      // Made now, so an invalid pseudonym is refused even when an answer is remembered.
      let first: PolymorphicPseudonym | undefined = fresh();
      const pseudonym = (): PolymorphicPseudonym => {
        const made = first ?? fresh();
        first = undefined;
        return made;
      };
      return { key: cacheKeyOf(`pp:${recipient}`), pseudonym };
    }
    const identifier = parseRecipient(recipient, config.identifiers ?? {});
    return {
      key: cacheKeyOf(`id:${identifier.canonical}`),
      pseudonym: () => pseudonymizer.polymorphicPseudonym(identifier),
    };
  };

  const devicesOf = (reachability: Reachability): DevicePublicKey[] =>
    reachability.devices.map((device, i) => {
      const publicKey = new Uint8Array(Buffer.from(device.publicKey, 'base64'));
      if (publicKey.length !== 32 || crypto.keyIdOf(publicKey) !== device.keyId) {
        throw new TransportError(
          'keys/lookup',
          `device ${i} has a key that does not match its keyId: the directory answer is corrupt`,
          false,
        );
      }
      return { keyId: device.keyId, publicKey };
    });

  async function send(input: SendInput): Promise<SendResult> {
    const createdAt = now();
    const checked = checkSendInput(input, createdAt, randomUUID);
    let content: Uint8Array;
    let contentSize;
    try {
      content = encodeContent(input.content);
      contentSize = measureContent(input.content);
    } catch (error) {
      if (isContentError(error))
        throw new InvalidSendRequestError(`content (${error.path})`, error.message, { cause: error });
      throw error;
    }
    const target = targetOf(input.recipient);
    const reachability = await deviceKeys.get(target.key, target.pseudonym);
    let devices: DevicePublicKey[];
    try {
      devices = devicesOf(reachability);
    } catch (error) {
      deviceKeys.invalidate(target.key); // a corrupt answer is not reused
      throw error;
    }
    if (devices.length === 0 && checked.smsText === undefined && checked.emailText === undefined) {
      throw new UnreachableRecipientError(reachability);
    }
    const request = buildMessageRequest(
      {
        ...checked,
        createdAt,
        recipient: Buffer.from(target.pseudonym(), 'base64url'),
        content,
        contentSize,
        devices,
      },
      keys,
      crypto,
    );
    await transport.publish(request);
    return { messageId: checked.messageId, reachability };
  }

  /** A fresh polymorphic pseudonym for each list entry; no lookup, no cache. */
  const pseudonymOf = (recipient: Recipient): PolymorphicPseudonym => {
    if (typeof recipient === 'string' && looksLikePseudonym(recipient)) {
      try {
        return pseudonymizer.rerandomize(recipient);
      } catch (error) {
        return asInvalidPseudonym(error);
      }
    }
    return pseudonymizer.polymorphicPseudonym(parseRecipient(recipient, config.identifiers ?? {}));
  };
  const broadcaster = createBroadcaster({
    senderId: config.senderId,
    keyId: config.signingKey.keyId,
    privateKey,
    transport,
    gateway,
    pseudonymOf,
    now,
  });

  return {
    senderId: config.senderId,
    recipientOf,
    lookup: async (recipient) => {
      const target = targetOf(recipient);
      return deviceKeys.get(target.key, target.pseudonym, { fresh: true });
    },
    send,
    sendBulk: (inputs, options) => sendBulk(inputs, send, options),
    broadcast: broadcaster.broadcast,
    broadcastStatus: broadcaster.broadcastStatus,
    watchBroadcast: broadcaster.watchBroadcast,
    cancelBroadcast: broadcaster.cancelBroadcast,
    statuses: (options = {}) => transport.watch(options),
    watch: (options = {}) => transport.watch(options),
    close: () => transport.close(),
  };
}

function checkConfig(config: SenderClientConfig): void {
  if (typeof config !== 'object' || config === null)
    throw new SenderConfigError('config', 'must be an object');
  if (typeof config.senderId !== 'string' || !isValidSenderId(config.senderId)) {
    throw new SenderConfigError(
      'senderId',
      "must be the sender id the platform issued: 1-64 of a-z, 0-9 and '-'",
    );
  }
  const key = config.signingKey;
  if (
    !key ||
    !(key.secretKey instanceof Uint8Array) ||
    key.secretKey.length !== 64 ||
    !(key.publicKey instanceof Uint8Array) ||
    key.publicKey.length !== 32 ||
    typeof key.keyId !== 'string'
  ) {
    throw new SenderConfigError(
      'signingKey',
      'must be an Ed25519 SenderKeyPair (64-byte secret key, 32-byte public key, keyId)',
    );
  }
  if (
    !(config.digestKey instanceof Uint8Array) ||
    config.digestKey.length < 16 ||
    config.digestKey.length > 64
  ) {
    throw new SenderConfigError(
      'digestKey',
      'must be 16-64 secret bytes (32 random bytes recommended), the same for every send',
    );
  }
  for (const channel of ['sms', 'email'] as const) {
    const channelKey = config.channelKeys?.[channel];
    if (!(channelKey instanceof Uint8Array) || channelKey.length !== 32) {
      throw new SenderConfigError(
        `channelKeys.${channel}`,
        "must be the channel's 32-byte X25519 public key",
      );
    }
  }
  const transport = config.transport;
  if (!transport || (transport.kind !== 'kafka' && transport.kind !== 'rest')) {
    throw new SenderConfigError('transport.kind', 'must be "kafka" or "rest"');
  }
  let url: URL | undefined;
  try {
    url = new URL(transport.gatewayUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new SenderConfigError(
      'transport.gatewayUrl',
      "must be the gateway's http(s) base URL; the Kafka transport needs it too (key lookups go through the gateway)",
    );
  }
  if (transport.kind === 'kafka' && (!Array.isArray(transport.brokers) || transport.brokers.length === 0)) {
    throw new SenderConfigError('transport.brokers', 'must list at least one host:port');
  }
  if (transport.kind === 'kafka') publishBatchOptions(transport.batch);
  keyCacheOptions(config.keyCache);
}
