/**
 * @smis/crypto: sealed envelopes (secretbox content, sealed-box key wraps, Ed25519 signature)
 * and sealed fallback texts, byte-identical in sodium-native (servers) and tweetnacl (app).
 */
export { createSodiumEnvelopeCrypto } from './sodium-envelope-crypto';
export { createTweetnaclEnvelopeCrypto } from './tweetnacl-envelope-crypto';
export * from './errors';
export type * from './types';
export {
  decodeEnvelope,
  encodeEnvelope,
  envelopeSignedMessage,
  WIRE_VERSION,
  MAX_CONTENT_BYTES,
  MAX_FALLBACK_TEXT_BYTES,
  MAX_WRAPS,
} from './wire-format';
export { blake2b } from './blake2b';
export { toHex, fromHex } from './bytes';
