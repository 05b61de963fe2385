import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { StatusConfig } from '../../config';
import { InvalidCommandError } from '../../errors';
import { SubscriptionStore } from '../../subscriptions/subscription-store';
import { STATUS_CONFIG } from '../../tokens';
import type { TestWebhookResult } from '../../views';
import { testWebhookBody } from '../../webhooks/webhook-payload';
import { webhookHeaders } from '../../webhooks/webhook-request';
import { WebhookTransport } from '../../webhooks/webhook-transport';
import type { SubscriptionRefCommand } from '../get-subscription/get-subscription.command';

const RESPONSE_EXCERPT_CHARS = 512;

/**
 * Sends one signed `webhook.test` event to the subscription's receiver, now, and reports its
 * answer: for senders to check their receiver and its signature check. Works on a disabled
 * subscription too (to check a fix before re-enabling); never retried, never queued.
 */
@Injectable()
export class TestWebhookUseCase {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly transport: WebhookTransport,
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
  ) {}

  async execute(command: SubscriptionRefCommand): Promise<TestWebhookResult> {
    const subscription = await this.store.findOwned(command.senderId, command.subscriptionId);
    if (!subscription.webhookUrl) {
      throw new InvalidCommandError([
        { field: 'subscriptionId', message: "has delivery 'topic': there is no webhook to test" },
      ]);
    }
    const eventId = randomUUID();
    const now = new Date();
    const body = testWebhookBody({
      eventId,
      senderId: subscription.senderId,
      subscriptionId: subscription.id,
      occurredAt: now.toISOString(),
    });
    const response = await this.transport.post({
      url: subscription.webhookUrl,
      body,
      headers: webhookHeaders({
        secret: this.store.openSecret(subscription),
        body,
        eventId,
        subscriptionId: subscription.id,
        attempt: 1,
        now,
      }),
      timeoutMs: this.config.webhooks.timeoutMs,
      readBodyChars: RESPONSE_EXCERPT_CHARS,
    });
    return {
      subscriptionId: subscription.id,
      eventId,
      delivered: response.error === null,
      statusCode: response.statusCode,
      error: response.error,
      durationMs: response.durationMs,
      responseBody: response.body ?? null,
    };
  }
}
