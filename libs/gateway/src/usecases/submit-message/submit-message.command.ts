import type { Channel, ContentPartKind, MessageRequest, Priority } from '@smis/contracts';
import { ProblemError, type ProblemDetails } from '../../http/problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const PRIORITIES: readonly Priority[] = ['LOW', 'NORMAL', 'URGENT'];
const CHANNELS: readonly Channel[] = ['APP', 'SMS', 'EMAIL'];
const PART_KINDS: readonly ContentPartKind[] = ['TEXT', 'IMAGE', 'QR', 'EBOX_LINK', 'WALLET_OFFER'];

/**
 * A MessageRequest as JSON (bytes as base64), checked for shape only: the router verifies the
 * signature and applies the policy. Every problem is named by its field.
 */
export class SubmitMessageCommand {
  private constructor(
    readonly senderId: string,
    readonly request: MessageRequest,
  ) {}

  static create(authenticatedSenderId: string, body: unknown): SubmitMessageCommand {
    const errors: { field: string; message: string }[] = [];
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const fail = (field: string, message: string) => errors.push({ field, message });
    const text = (field: string, pattern?: RegExp): string => {
      const v = b[field];
      if (typeof v !== 'string' || v.length === 0 || (pattern && !pattern.test(v)))
        fail(field, 'required string of the right form');
      return String(v ?? '');
    };
    const integer = (field: string, value: unknown = b[field]): number => {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        fail(field, 'required non-negative integer');
      return Number(value);
    };
    const bytes = (field: string, length?: number, nullable = false): Buffer | null => {
      const v = b[field];
      if (v === null || v === undefined) {
        if (!nullable) fail(field, 'required base64 bytes');
        return null;
      }
      if (typeof v !== 'string' || !BASE64.test(v)) {
        fail(field, 'must be base64');
        return null;
      }
      const decoded = Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
      if (length !== undefined && decoded.length !== length) fail(field, `must be ${length} bytes`);
      return decoded;
    };
    const content = (typeof b.content === 'object' && b.content !== null ? b.content : {}) as Record<
      string,
      unknown
    >;
    if (typeof b.content !== 'object' || b.content === null) fail('content', 'required object');
    const languages = Array.isArray(content.languages) ? content.languages : [];
    if (!Array.isArray(content.languages) || !languages.every((l) => typeof l === 'string'))
      fail('content.languages', 'required list of language tags');
    const parts = Array.isArray(content.parts) ? (content.parts as Record<string, unknown>[]) : [];
    if (!Array.isArray(content.parts)) fail('content.parts', 'required list');
    parts.forEach((p, i) => {
      if (!PART_KINDS.includes(p?.kind as ContentPartKind))
        fail(`content.parts.${i}.kind`, `one of ${PART_KINDS.join(', ')}`);
      integer(`content.parts.${i}.sizeBytes`, p?.sizeBytes);
    });
    const allowed = Array.isArray(b.allowedChannels) ? b.allowedChannels : [];
    if (!Array.isArray(b.allowedChannels) || !allowed.every((c) => CHANNELS.includes(c as Channel)))
      fail('allowedChannels', `required list of ${CHANNELS.join(', ')}`);
    if (!PRIORITIES.includes(b.priority as Priority)) fail('priority', `one of ${PRIORITIES.join(', ')}`);

    const request: MessageRequest = {
      messageId: text('messageId', UUID).toLowerCase(),
      senderId: text('senderId'),
      senderKeyId: text('senderKeyId'),
      idempotencyKey: text('idempotencyKey'),
      createdAt: integer('createdAt'),
      expiresAt: integer('expiresAt'),
      recipient: bytes('recipient', 64) as Buffer,
      category: text('category'),
      priority: b.priority as Priority,
      fallbackWindowSeconds: integer('fallbackWindowSeconds'),
      allowedChannels: allowed as Channel[],
      envelope: bytes('envelope') as Buffer,
      smsFallback: bytes('smsFallback', undefined, true),
      emailFallback: bytes('emailFallback', undefined, true),
      content: {
        languages: languages as string[],
        parts: parts.map((p) => ({ kind: p?.kind as ContentPartKind, sizeBytes: Number(p?.sizeBytes) })),
        totalSizeBytes: integer('content.totalSizeBytes', content.totalSizeBytes),
      },
      contentDigest: bytes('contentDigest', 32) as Buffer,
      signature: bytes('signature', 64) as Buffer,
    };
    if (errors.length > 0)
      throw ProblemError.invalid(
        'The message request is not well formed',
        errors as ProblemDetails['errors'],
      );
    if (request.senderId !== authenticatedSenderId) {
      throw ProblemError.forbidden('senderId is not the sender the access token was issued to');
    }
    return new SubmitMessageCommand(authenticatedSenderId, request);
  }
}
