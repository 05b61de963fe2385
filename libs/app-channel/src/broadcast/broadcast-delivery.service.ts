import { Inject, Injectable, Optional } from '@nestjs/common';
import type { DomainDecryptor, PolymorphicPseudonym } from '@smis/pseudonym';
import type { AppChannelConfig } from '../config';
import { AppChannelMetrics } from '../metrics';
import type { AppChannelPorts } from '../ports';
import { appLocalPseudonyms } from '../pseudonyms';
import { sendWithRetry } from '../push/push-dispatcher';
import {
  supportsTopics,
  type PushNotification,
  type PushOutcome,
  type PushProvider,
  type PushProviderKind,
} from '../push/push-provider';
import { AppChannelStore } from '../store';
import { APP_CHANNEL_CONFIG, APP_CHANNEL_PORTS, APP_DOMAIN_DECRYPTOR, PUSH_PROVIDERS } from '../tokens';
import { countryTopic, regionTopic } from './broadcast-topics';

export type BroadcastAudienceKind = 'EVERYONE' | 'REGIONS' | 'LIST';

/** A broadcast to store once (the broadcast service verified signature and policy). */
export interface StagedBroadcast {
  broadcastId: string;
  senderId: string;
  senderKeyId: string;
  category: string;
  priority: 'LOW' | 'NORMAL' | 'URGENT';
  audience: BroadcastAudienceKind;
  regions: readonly string[];
  envelope: Buffer;
  signature: Buffer;
  /** broadcastSigningInput of the record: the app verifies the signature over it. */
  signingInput: Buffer;
  createdAt: number;
  expiresAt: number;
}

/** One device a push goes to; `cursor` orders the stream (resume after it). */
export interface BroadcastPushTarget {
  cursor: string;
  deviceId: string;
  provider: PushProviderKind;
  token: string;
}

/**
 * The app channel's side of broadcasts (ADR 1100), used by the broadcast service through its
 * BroadcastDeliveryPort: the content is stored once and shown in every matching inbox on sync;
 * pushes go to FCM topics where the audience allows it and to a device stream (keyset pages
 * ordered by device id) for the rest. Knows devices, never who the citizens are.
 */
@Injectable()
export class BroadcastDeliveryService {
  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    @Inject(APP_CHANNEL_PORTS) private readonly ports: AppChannelPorts,
    @Inject(APP_DOMAIN_DECRYPTOR) private readonly decryptor: DomainDecryptor,
    @Inject(PUSH_PROVIDERS) private readonly providers: Partial<Record<PushProviderKind, PushProvider>>,
    private readonly store: AppChannelStore,
    // Optional for callers that build the service by hand (the broadcast bench).
    @Optional() private readonly metrics: AppChannelMetrics = new AppChannelMetrics(),
  ) {}

  /** Stores the broadcast, not yet visible. Idempotent on broadcastId. */
  async stage(b: StagedBroadcast): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.broadcast} ("broadcast_id", "sender_id", "sender_key_id", "category", "priority",
         "audience", "regions", "envelope", "signature", "signing_input", "created_at", "expires_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10, to_timestamp($11 / 1000.0), to_timestamp($12 / 1000.0))
       ON CONFLICT ("broadcast_id") DO NOTHING`,
      [
        b.broadcastId,
        b.senderId,
        b.senderKeyId,
        b.category,
        b.priority,
        b.audience,
        [...b.regions],
        b.envelope,
        b.signature,
        b.signingInput,
        b.createdAt,
        b.expiresAt,
      ],
    );
  }

  /**
   * Files one chunk of a LIST audience: the polymorphic pseudonyms are transcrypted to the app
   * domain and decrypted to local pseudonyms (the same ones devices are filed under). Idempotent.
   */
  async addRecipients(
    broadcastId: string,
    recipients: readonly PolymorphicPseudonym[],
  ): Promise<{ filed: number; unresolved: number }> {
    const locals = this.ports.listRecipientResolver
      ? await this.ports.listRecipientResolver(recipients)
      : await appLocalPseudonyms(this.ports.transcription, this.decryptor, recipients);
    const resolved = [...new Set(locals.filter((l): l is NonNullable<typeof l> => !!l))];
    if (resolved.length > 0)
      await this.store.query(
        `INSERT INTO ${this.store.broadcastRecipient} ("broadcast_id", "pseudonym")
         SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
        [broadcastId, resolved],
      );
    return { filed: resolved.length, unresolved: locals.length - locals.filter(Boolean).length };
  }

  /** Makes the broadcast visible: it takes the next place in the inbox order. Idempotent. */
  async publish(broadcastId: string): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.broadcast} SET "seq" = nextval('${this.store.inboxSeq}'), "published_at" = now()
        WHERE "broadcast_id" = $1 AND "seq" IS NULL`,
      [broadcastId],
    );
  }

  /** Hides the broadcast from every inbox (already delivered pushes stay delivered). */
  async cancel(broadcastId: string): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.broadcast} SET "cancelled_at" = COALESCE("cancelled_at", now()) WHERE "broadcast_id" = $1`,
      [broadcastId],
    );
  }

  /**
   * The FCM topics that reach the audience (country topic for EVERYONE, one per region), or none
   * when FCM has no topics here or the audience is a list.
   */
  async topicsFor(broadcastId: string): Promise<string[]> {
    if (!supportsTopics(this.providers.fcm)) return [];
    const b = await this.find(broadcastId);
    const prefix = this.config.broadcastTopicPrefix;
    if (b.audience === 'EVERYONE') return [countryTopic(prefix)];
    if (b.audience === 'REGIONS') return b.regions.map((r) => regionTopic(prefix, r));
    return [];
  }

  async sendToTopic(broadcastId: string, topic: string): Promise<PushOutcome> {
    const outcome = await this.sendToTopicWithRetry(broadcastId, topic);
    if (outcome.kind !== 'sent') this.metrics.pushFailed('fcm', outcome.reason);
    return outcome;
  }

  private async sendToTopicWithRetry(broadcastId: string, topic: string): Promise<PushOutcome> {
    const fcm = this.providers.fcm;
    if (!supportsTopics(fcm)) return { kind: 'failed', reason: 'fcm.no-topics' };
    const b = await this.find(broadcastId);
    const notification = this.notification(b);
    let attempt = 0;
    for (;;) {
      const outcome = await fcm.sendToTopic(topic, notification).catch((error: unknown): PushOutcome => ({
        kind: 'retry',
        reason: `fcm.error: ${(error as Error).message}`,
      }));
      if (outcome.kind !== 'retry' || ++attempt >= this.config.push.maxAttempts) return outcome;
      const delay = Math.min(
        this.config.push.maxBackoffMs,
        Math.max(outcome.retryAfterMs ?? 0, this.config.push.initialBackoffMs * 2 ** (attempt - 1)),
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /**
   * The next page of devices to push one by one, after `after` (null: from the start), at most
   * `limit`: active, notifications on, with a push address of a configured provider, in the
   * audience; providers covered by topics (`exclude`) are left out.
   */
  async devicePage(
    broadcastId: string,
    after: string | null,
    limit: number,
    exclude: readonly PushProviderKind[] = [],
  ): Promise<BroadcastPushTarget[]> {
    const b = await this.find(broadcastId);
    const providers = (Object.keys(this.providers) as PushProviderKind[]).filter((k) => !exclude.includes(k));
    if (providers.length === 0) return [];
    const rows = await this.store.query<{
      device_id: string;
      push_provider: PushProviderKind;
      push_token: string;
    }>(
      `SELECT d."device_id", d."push_provider", d."push_token" FROM ${this.store.device} d
        WHERE d."device_id" > $2 AND d."active" AND d."notifications_enabled" AND d."push_token" IS NOT NULL
          AND d."push_provider" = ANY($3::text[]) AND ${this.audienceCondition(b.audience, '$1', '$4')}
        ORDER BY d."device_id" LIMIT $5`,
      [broadcastId, after ?? '', providers, [...b.regions], limit],
    );
    return rows.map((r) => ({
      cursor: r.device_id,
      deviceId: r.device_id,
      provider: r.push_provider,
      token: r.push_token,
    }));
  }

  /** One push (with the app channel's retries); a gone token is forgotten. */
  async push(target: BroadcastPushTarget, notification: PushNotification): Promise<PushOutcome> {
    const provider = this.providers[target.provider];
    if (!provider) {
      const reason = `${target.provider}.not-configured`;
      this.metrics.pushFailed(target.provider, reason);
      return { kind: 'failed', reason };
    }
    const outcome = await sendWithRetry(provider, target.token, notification, this.config.push);
    if (outcome.kind !== 'sent') this.metrics.pushFailed(target.provider, outcome.reason);
    if (outcome.kind === 'gone')
      await this.store.query(
        `UPDATE ${this.store.device} SET "push_token" = NULL, "push_provider" = NULL, "updated_at" = now()
          WHERE "device_id" = $1 AND "push_token" = $2`,
        [target.deviceId, target.token],
      );
    return outcome;
  }

  /** Active devices in the audience (all providers, with or without push). */
  async devicesTargeted(broadcastId: string): Promise<number> {
    const b = await this.find(broadcastId);
    const [targeted] = await this.store.query<{ n: string }>(
      `SELECT count(*) AS "n" FROM ${this.store.device} d WHERE d."active" AND ${this.audienceCondition(b.audience, '$1', '$2')}`,
      [broadcastId, [...b.regions]],
    );
    return Number(targeted.n);
  }

  /** How many devices fetched (delivered) and opened (read) the broadcast. */
  async receipts(broadcastId: string): Promise<{ delivered: number; read: number }> {
    const [receipts] = await this.store.query<{ delivered: string; read: string }>(
      `SELECT count("delivered_at") AS "delivered", count("read_at") AS "read"
         FROM ${this.store.broadcastReceipt} WHERE "broadcast_id" = $1`,
      [broadcastId],
    );
    return { delivered: Number(receipts.delivered), read: Number(receipts.read) };
  }

  /** Every parameter is referenced (PostgreSQL must infer each one's type). */
  private audienceCondition(audience: string, broadcastParam: string, regionsParam: string): string {
    const typed = `${broadcastParam}::text IS NOT NULL AND ${regionsParam}::text[] IS NOT NULL`;
    if (audience === 'EVERYONE') return `(${typed})`;
    if (audience === 'REGIONS')
      return `${typed} AND EXISTS (SELECT 1 FROM ${this.store.devicePseudonym} dp JOIN ${this.store.citizen} c ON c."pseudonym" = dp."pseudonym"
                WHERE dp."device_id" = d."device_id" AND c."preferences" -> 'alertRegions' ?| ${regionsParam}::text[])`;
    return `EXISTS (SELECT 1 FROM ${this.store.devicePseudonym} dp JOIN ${this.store.broadcastRecipient} x
              ON x."pseudonym" = dp."pseudonym" AND x."broadcast_id" = ${broadcastParam}
              WHERE dp."device_id" = d."device_id") AND ${typed}`;
  }

  private notification(b: { broadcast_id: string; priority: string; expires_at: Date }) {
    return {
      messageId: b.broadcast_id,
      priority: b.priority as StagedBroadcast['priority'],
      ttlSeconds: Math.max(0, Math.floor((new Date(b.expires_at).getTime() - Date.now()) / 1000)),
    };
  }

  private async find(broadcastId: string): Promise<{
    broadcast_id: string;
    audience: BroadcastAudienceKind;
    regions: string[];
    priority: string;
    expires_at: Date;
  }> {
    const [row] = await this.store.query<{
      broadcast_id: string;
      audience: BroadcastAudienceKind;
      regions: string[];
      priority: string;
      expires_at: Date;
    }>(
      `SELECT "broadcast_id", "audience", "regions", "priority", "expires_at" FROM ${this.store.broadcast} WHERE "broadcast_id" = $1`,
      [broadcastId],
    );
    if (!row) throw new Error(`No staged broadcast ${broadcastId}`);
    return row;
  }
}
