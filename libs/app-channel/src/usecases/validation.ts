import { InvalidCommandError, type FieldProblem } from '../errors';
import { PUSH_PROVIDER_KINDS, type PushProviderKind } from '../push/push-provider';
import { parseSubscription } from '../push/web-push-provider';

export function base64Key(value: unknown, field: string, problems: FieldProblem[], bytes = 32): string {
  if (
    typeof value !== 'string' ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(value) ||
    Buffer.from(value, 'base64').length !== bytes
  ) {
    problems.push({ field, message: `must be a ${bytes}-byte key in base64` });
    return '';
  }
  return value;
}

export function optionalText(
  value: unknown,
  field: string,
  problems: FieldProblem[],
  pattern: RegExp,
): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !pattern.test(value)) {
    problems.push({ field, message: `must match ${pattern.source}` });
    return null;
  }
  return value;
}

export interface PushTarget {
  provider: PushProviderKind;
  /** FCM/APNs token, or the Web Push subscription as JSON. */
  token: string;
}

/** `{ provider, token }` or `{ provider: 'webpush', subscription: { endpoint, keys } }`, or null. */
export function pushTarget(
  value: unknown,
  problems: FieldProblem[],
  allowInsecureWebPush: boolean,
): PushTarget | null {
  if (value === undefined || value === null) return null;
  const v = value as { provider?: unknown; token?: unknown; subscription?: unknown };
  if (typeof v !== 'object' || !PUSH_PROVIDER_KINDS.includes(v.provider as PushProviderKind)) {
    problems.push({ field: 'push.provider', message: `must be one of ${PUSH_PROVIDER_KINDS.join(', ')}` });
    return null;
  }
  const provider = v.provider as PushProviderKind;
  if (provider === 'webpush') {
    try {
      const subscription = parseSubscription(JSON.stringify(v.subscription ?? {}), allowInsecureWebPush);
      return { provider, token: JSON.stringify(subscription) };
    } catch (error) {
      problems.push({ field: 'push.subscription', message: (error as Error).message });
      return null;
    }
  }
  if (typeof v.token !== 'string' || !/^[A-Za-z0-9_:.-]{8,4096}$/.test(v.token)) {
    problems.push({ field: 'push.token', message: 'must be the provider token' });
    return null;
  }
  if (provider === 'apns' && !/^[0-9a-fA-F]{64,200}$/.test(v.token)) {
    problems.push({ field: 'push.token', message: 'an APNs device token is hexadecimal' });
    return null;
  }
  return { provider, token: v.token };
}

export function fail(problems: FieldProblem[]): void {
  if (problems.length > 0) throw new InvalidCommandError(problems);
}

export const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
export const APP_VERSION = /^[0-9A-Za-z.+_-]{1,32}$/;
