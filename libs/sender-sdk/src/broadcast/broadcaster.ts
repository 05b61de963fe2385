import { randomUUID, type KeyObject } from 'node:crypto';
import { broadcastSigningInput, type Broadcast } from '@smis/contracts';
import { encodeContent, isContentError, measureContent } from '@smis/message-content';
import type { PolymorphicPseudonym } from '@smis/pseudonym';
import { InvalidBroadcastError, SenderConfigError, SenderSdkError, TransportError } from '../errors';
import type { GatewayClient } from '../gateway/gateway-client';
import { contentMetadata } from '../request-builder';
import { ed25519Sign } from '../signing-key';
import type { SenderTransport } from '../transport/transport';
import type { Recipient } from '../types';
import {
  checkBroadcastInput,
  type BroadcastInput,
  type BroadcastOptions,
  type BroadcastResult,
} from './broadcast-input';
import {
  followBroadcast,
  parseBroadcastView,
  type BroadcastView,
  type WatchBroadcastOptions,
} from './broadcast-progress';
import { ListSpool } from './list-spool';

export interface BroadcasterDependencies {
  readonly senderId: string;
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly transport: SenderTransport;
  readonly gateway: Pick<GatewayClient, 'broadcast' | 'cancelBroadcast'>;
  /** A fresh polymorphic pseudonym of a recipient (identifier or pseudonym); throws InvalidRecipientError. */
  readonly pseudonymOf: (recipient: Recipient) => PolymorphicPseudonym;
  readonly now: () => number;
}

export interface Broadcaster {
  broadcast(input: BroadcastInput, options?: BroadcastOptions): Promise<BroadcastResult>;
  broadcastStatus(broadcastId: string): Promise<BroadcastView>;
  watchBroadcast(
    broadcastId: string,
    options?: WatchBroadcastOptions,
  ): AsyncGenerator<BroadcastView, void, undefined>;
  cancelBroadcast(broadcastId: string): Promise<void>;
}

/** Signed broadcasts (ADR 1100): publish over Kafka, follow and cancel through the platform's HTTP API. */
export function createBroadcaster(deps: BroadcasterDependencies): Broadcaster {
  const { transport } = deps;

  async function broadcast(input: BroadcastInput, options: BroadcastOptions = {}): Promise<BroadcastResult> {
    if (!transport.publishBroadcast || !transport.publishListChunk)
      throw new SenderConfigError(
        'transport.kind',
        'broadcasts are published on Kafka (smis.broadcasts.v1; the REST gateway takes none): configure a kafka transport',
      );
    const createdAt = deps.now();
    const checked = checkBroadcastInput(input, options, createdAt, randomUUID);
    let envelope: Buffer;
    let content;
    try {
      envelope = Buffer.from(encodeContent(input.content));
      content = contentMetadata(measureContent(input.content));
    } catch (error) {
      if (isContentError(error))
        throw new InvalidBroadcastError(`content (${error.path})`, error.message, { cause: error });
      throw error;
    }
    const unsigned: Omit<Broadcast, 'signature'> = {
      broadcastId: checked.broadcastId,
      senderId: deps.senderId,
      senderKeyId: deps.keyId,
      createdAt,
      expiresAt: checked.expiresAt,
      audience: { kind: checked.audience.kind, regions: [], list: null },
      category: checked.category,
      priority: checked.priority,
      content,
      envelope,
    };
    const sign = (record: Omit<Broadcast, 'signature'>): Broadcast => ({
      ...record,
      signature: ed25519Sign(broadcastSigningInput(record), deps.privateKey),
    });
    const audience = checked.audience;
    if (audience.kind === 'EVERYONE') {
      await transport.publishBroadcast(sign(unsigned));
      return { broadcastId: checked.broadcastId };
    }
    if (audience.kind === 'REGIONS') {
      await transport.publishBroadcast(
        sign({ ...unsigned, audience: { kind: 'REGIONS', regions: [...audience.regions], list: null } }),
      );
      return { broadcastId: checked.broadcastId };
    }
    // LIST: pseudonymize and spool (count and digest), publish the Broadcast, then its chunks in order.
    const spool = new ListSpool(checked.chunkSize, options.spoolDirectory);
    try {
      let index = 0;
      for await (const recipient of audience.recipients) {
        let pseudonym: PolymorphicPseudonym;
        try {
          pseudonym = deps.pseudonymOf(recipient);
        } catch (error) {
          if (error instanceof SenderSdkError)
            throw new InvalidBroadcastError(`audience.recipients[${index}]`, error.message, {
              cause: error,
              index,
            });
          throw error;
        }
        const chunks = spool.chunks;
        await spool.add(Buffer.from(pseudonym, 'base64url'));
        if (spool.chunks > chunks)
          options.onListProgress?.({ stage: 'pseudonymized', recipients: spool.count, chunks: spool.chunks });
        index++;
      }
      await spool.finish();
      if (spool.count === 0)
        throw new InvalidBroadcastError(
          'audience.recipients',
          'is empty: a LIST broadcast needs at least one recipient',
        );
      if (spool.count % checked.chunkSize !== 0)
        options.onListProgress?.({ stage: 'pseudonymized', recipients: spool.count, chunks: spool.chunks });
      const listId = randomUUID();
      await transport.publishBroadcast(
        sign({
          ...unsigned,
          audience: {
            kind: 'LIST',
            regions: [],
            list: { listId, recipientCount: spool.count, listDigest: spool.digest },
          },
        }),
      );
      let chunkIndex = 0;
      let published = 0;
      try {
        for await (const recipients of spool.read()) {
          await transport.publishListChunk({
            broadcastId: checked.broadcastId,
            listId,
            chunkIndex,
            recipients,
            last: chunkIndex === spool.chunks - 1,
          });
          chunkIndex++;
          published += recipients.length;
          options.onListProgress?.({ stage: 'published', recipients: published, chunks: chunkIndex });
        }
      } catch (error) {
        // The Broadcast is out but its list is not whole: it waits for the rest and never starts.
        throw new TransportError(
          'publish',
          `broadcast ${checked.broadcastId} was published but only ${chunkIndex} of its ${spool.chunks} list chunks ` +
            `(${(error as Error).message}): it will not start; cancel it (cancelBroadcast) and broadcast again`,
          false,
          { cause: error },
        );
      }
      return {
        broadcastId: checked.broadcastId,
        list: { listId, recipientCount: spool.count, chunks: spool.chunks },
      };
    } finally {
      await spool.dispose();
    }
  }

  const broadcastStatus = async (broadcastId: string): Promise<BroadcastView> =>
    parseBroadcastView(await deps.gateway.broadcast(checkId(broadcastId)));

  return {
    broadcast,
    broadcastStatus,
    watchBroadcast: (broadcastId, options) => {
      const id = checkId(broadcastId);
      return followBroadcast(() => broadcastStatus(id), options, deps.now);
    },
    cancelBroadcast: (broadcastId) => deps.gateway.cancelBroadcast(checkId(broadcastId)),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkId(broadcastId: string): string {
  if (typeof broadcastId !== 'string' || !UUID.test(broadcastId))
    throw new InvalidBroadcastError('broadcastId', 'must be the UUID broadcast() returned');
  return broadcastId.toLowerCase();
}
