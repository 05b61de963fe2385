import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryStatus } from '@smis/contracts';
import type { DataSource, Repository } from 'typeorm';
import { SubscriptionRecord } from '../entities';
import { NotFoundError } from '../errors';
import { STATUS_DATA_SOURCE } from '../tokens';
import type { SubscriptionView } from '../views';
import { generateWebhookSecret } from '../webhooks/signature';
import { SecretBox } from '../webhooks/secret-box';

/** A sender may keep this many subscriptions: each is a fan-out on every one of its events. */
export const MAX_SUBSCRIPTIONS_PER_SENDER = 20;

/** Subscriptions of a sender, and their secrets (sealed at rest, opened only to sign). */
@Injectable()
export class SubscriptionStore {
  constructor(
    @Inject(STATUS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  get repository(): Repository<SubscriptionRecord> {
    return this.dataSource.getRepository(SubscriptionRecord);
  }

  /** The sender's subscription; another sender's is "not found" (existence is not disclosed). */
  async findOwned(senderId: string, id: string): Promise<SubscriptionRecord> {
    const found = await this.repository.findOneBy({ id, senderId });
    if (!found) throw new NotFoundError(`No subscription ${id} for sender ${senderId}`);
    return found;
  }

  /** A new secret for the subscription: sealed into the record, returned in clear this once. */
  newSecret(record: SubscriptionRecord): string {
    const secret = generateWebhookSecret();
    record.secretCiphertext = this.secrets.seal(secret, record.id);
    return secret;
  }

  openSecret(record: Pick<SubscriptionRecord, 'id' | 'secretCiphertext'>): string {
    if (!record.secretCiphertext) throw new NotFoundError(`Subscription ${record.id} has no webhook`);
    return this.secrets.open(record.secretCiphertext, record.id);
  }
}

export function toSubscriptionView(record: SubscriptionRecord): SubscriptionView {
  return {
    id: record.id,
    senderId: record.senderId,
    eventTypes: record.eventTypes as DeliveryStatus[],
    delivery: record.delivery,
    webhookUrl: record.webhookUrl,
    enabled: record.enabled,
    disabledReason: record.disabledReason,
    disabledAt: record.disabledAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
