import type { DeliveryStatus } from '@smis/contracts';
import type { SubscriptionDelivery } from '../../entities';
import { InvalidCommandError, type FieldProblem } from '../../errors';
import { webhookUrlProblem } from '../../webhooks/webhook-url';
import {
  eventTypesProblem,
  normalizeEventTypes,
  senderIdProblem,
  SUBSCRIBABLE_EVENT_TYPES,
} from '../validation';

export const DELIVERIES: readonly SubscriptionDelivery[] = ['topic', 'webhook', 'both'];

export interface CreateSubscriptionInput {
  /** Default: every status. */
  eventTypes?: string[];
  /** Default: `webhook` when a URL is given, `topic` otherwise. */
  delivery?: SubscriptionDelivery;
  webhookUrl?: string;
}

const FIELDS = new Set(['eventTypes', 'delivery', 'webhookUrl']);

export function unknownFieldProblems(input: object, known: ReadonlySet<string>): FieldProblem[] {
  return Object.keys(input)
    .filter((key) => !known.has(key))
    .map((field) => ({ field, message: 'is not a field of this request' }));
}

export function deliveryProblem(delivery: unknown, webhookUrl: unknown): FieldProblem | undefined {
  if (!DELIVERIES.includes(delivery as SubscriptionDelivery)) {
    return { field: 'delivery', message: `must be one of ${DELIVERIES.join(', ')}` };
  }
  if (delivery !== 'topic' && (webhookUrl === undefined || webhookUrl === null)) {
    return { field: 'webhookUrl', message: `is required for delivery '${String(delivery)}'` };
  }
  return undefined;
}

/** A sender subscribes to some of its statuses, on its topic, by webhook or both. */
export class CreateSubscriptionCommand {
  private constructor(
    readonly senderId: string,
    readonly eventTypes: DeliveryStatus[],
    readonly delivery: SubscriptionDelivery,
    readonly webhookUrl: string | null,
  ) {}

  static create(
    senderId: string,
    input: unknown,
    options: { allowInsecureUrls: boolean },
  ): CreateSubscriptionCommand {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new InvalidCommandError([{ field: 'body', message: 'must be a JSON object' }]);
    }
    const body = input as CreateSubscriptionInput;
    const eventTypes = body.eventTypes ?? [...SUBSCRIBABLE_EVENT_TYPES];
    const delivery = body.delivery ?? (body.webhookUrl !== undefined ? 'webhook' : 'topic');
    const problems = [
      senderIdProblem(senderId),
      eventTypesProblem(eventTypes),
      deliveryProblem(delivery, body.webhookUrl),
      body.webhookUrl !== undefined && delivery !== 'topic'
        ? fieldOf('webhookUrl', webhookUrlProblem(body.webhookUrl, options.allowInsecureUrls))
        : undefined,
      body.webhookUrl !== undefined && delivery === 'topic'
        ? { field: 'webhookUrl', message: "is not used with delivery 'topic'" }
        : undefined,
      ...unknownFieldProblems(body, FIELDS),
    ].filter((p): p is FieldProblem => p !== undefined);
    if (problems.length > 0) throw new InvalidCommandError(problems);
    return new CreateSubscriptionCommand(
      senderId,
      normalizeEventTypes(eventTypes),
      delivery,
      delivery === 'topic' ? null : (body.webhookUrl as string),
    );
  }
}

export function fieldOf(field: string, message: string | undefined): FieldProblem | undefined {
  return message === undefined ? undefined : { field, message };
}
