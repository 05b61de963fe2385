/**
 * Browser entry point (the citizen app): the tweetnacl implementation, wire format and errors,
 * without sodium-native. Bundle this file, not index.ts.
 */
export { createTweetnaclEnvelopeCrypto } from './tweetnacl-envelope-crypto';
export * from './errors';
export type * from './types';
export {
  decodeEnvelope,
  encodeEnvelope,
  WIRE_VERSION,
  MAX_CONTENT_BYTES,
  MAX_FALLBACK_TEXT_BYTES,
} from './wire-format';
export { blake2b } from './blake2b';
export { toHex, fromHex } from './bytes';
