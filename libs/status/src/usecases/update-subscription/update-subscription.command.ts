import type { DeliveryStatus } from '@smis/contracts';
import type { SubscriptionDelivery } from '../../entities';
import { InvalidCommandError, type FieldProblem } from '../../errors';
import { webhookUrlProblem } from '../../webhooks/webhook-url';
import {
  DELIVERIES,
  fieldOf,
  unknownFieldProblems,
} from '../create-subscription/create-subscription.command';
import { eventTypesProblem, normalizeEventTypes, senderIdProblem, uuidProblem } from '../validation';

export interface UpdateSubscriptionInput {
  eventTypes?: string[];
  delivery?: SubscriptionDelivery;
  /** null removes the webhook (only with delivery `topic`). */
  webhookUrl?: string | null;
  /** true re-enables a disabled subscription; false pauses its webhook. */
  enabled?: boolean;
  /** true replaces the signing secret; the new one is returned once. */
  rotateSecret?: boolean;
}

const FIELDS = new Set(['eventTypes', 'delivery', 'webhookUrl', 'enabled', 'rotateSecret']);

/** Changes some fields of a subscription; the result is checked as a whole by the use case. */
export class UpdateSubscriptionCommand {
  private constructor(
    readonly senderId: string,
    readonly subscriptionId: string,
    readonly changes: {
      eventTypes?: DeliveryStatus[];
      delivery?: SubscriptionDelivery;
      webhookUrl?: string | null;
      enabled?: boolean;
      rotateSecret: boolean;
    },
  ) {}

  static create(
    senderId: string,
    subscriptionId: string,
    input: unknown,
    options: { allowInsecureUrls: boolean },
  ): UpdateSubscriptionCommand {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new InvalidCommandError([{ field: 'body', message: 'must be a JSON object' }]);
    }
    const body = input as UpdateSubscriptionInput;
    const problems = [
      senderIdProblem(senderId),
      uuidProblem('subscriptionId', subscriptionId),
      body.eventTypes !== undefined ? eventTypesProblem(body.eventTypes) : undefined,
      body.delivery !== undefined && !DELIVERIES.includes(body.delivery)
        ? { field: 'delivery', message: `must be one of ${DELIVERIES.join(', ')}` }
        : undefined,
      body.webhookUrl !== undefined && body.webhookUrl !== null
        ? fieldOf('webhookUrl', webhookUrlProblem(body.webhookUrl, options.allowInsecureUrls))
        : undefined,
      body.enabled !== undefined && typeof body.enabled !== 'boolean'
        ? { field: 'enabled', message: 'must be true or false' }
        : undefined,
      body.rotateSecret !== undefined && typeof body.rotateSecret !== 'boolean'
        ? { field: 'rotateSecret', message: 'must be true or false' }
        : undefined,
      ...unknownFieldProblems(body, FIELDS),
    ].filter((p): p is FieldProblem => p !== undefined);
    if (problems.length > 0) throw new InvalidCommandError(problems);
    return new UpdateSubscriptionCommand(senderId, subscriptionId.toLowerCase(), {
      eventTypes: body.eventTypes ? normalizeEventTypes(body.eventTypes) : undefined,
      delivery: body.delivery,
      webhookUrl: body.webhookUrl,
      enabled: body.enabled,
      rotateSecret: body.rotateSecret === true,
    });
  }
}
