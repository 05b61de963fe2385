import type { ServiceName } from '@smis/keyring';
import type { PseudonymDomain } from '@smis/pseudonym';

/**
 * ADR 4: which calling service may obtain which domain's encrypted pseudonyms. The router
 * routes (every domain); the app channel files devices and forwards preferences (app, router);
 * each other channel only its own domain; everyone else nothing.
 */
export const TRANSCRYPTION_ENTITLEMENTS: Readonly<Record<ServiceName, readonly PseudonymDomain[]>> =
  Object.freeze({
    router: Object.freeze(['router', 'app', 'sms', 'email'] as const),
    'app-channel': Object.freeze(['app', 'router'] as const),
    'sms-channel': Object.freeze(['sms'] as const),
    'email-channel': Object.freeze(['email'] as const),
    gateway: Object.freeze([] as const),
    broadcast: Object.freeze([] as const),
  });

export function isEntitled(caller: string, domain: string): boolean {
  const domains = (TRANSCRYPTION_ENTITLEMENTS as Record<string, readonly string[] | undefined>)[caller];
  return (
    !!domains &&
    Object.prototype.hasOwnProperty.call(TRANSCRYPTION_ENTITLEMENTS, caller) &&
    domains.includes(domain)
  );
}
