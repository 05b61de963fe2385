/** Shared fixtures for the specs (not part of the public surface). */
import { createSodiumEnvelopeCrypto } from './sodium-envelope-crypto';
import { createTweetnaclEnvelopeCrypto } from './tweetnacl-envelope-crypto';
import type { EnvelopeCrypto, SenderKeyLookup, SenderKeyPair } from './types';

export const sodiumCrypto = createSodiumEnvelopeCrypto();
export const tweetnaclCrypto = createTweetnaclEnvelopeCrypto();
export const implementations: readonly EnvelopeCrypto[] = [sodiumCrypto, tweetnaclCrypto];

/** Every (sealer, opener) pair: same-side and cross-side. */
export const pairs: readonly [string, EnvelopeCrypto, EnvelopeCrypto][] = implementations.flatMap((sealer) =>
  implementations.map((opener): [string, EnvelopeCrypto, EnvelopeCrypto] => [
    `${sealer.implementation} -> ${opener.implementation}`,
    sealer,
    opener,
  ]),
);

export function directoryOf(senderId: string, ...keys: SenderKeyPair[]): SenderKeyLookup {
  return (id, keyId) => (id === senderId ? keys.find((k) => k.keyId === keyId)?.publicKey : undefined);
}
