import { ContentTooLargeError, InvalidContentError, MalformedContentError } from './errors';
import { CONTENT_LIMITS } from './limits';
import type { MessageContent } from './types';
import { validateContent } from './validate';

const encoder = new TextEncoder();

/**
 * Validates the content and encodes it as UTF-8 JSON with a fixed key order and no whitespace:
 * the same content always gives the same bytes (the request's keyed content digest relies on it).
 */
export function encodeContent(content: MessageContent): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(validateContent(content)));
  if (bytes.length > CONTENT_LIMITS.maxContentBytes) {
    throw new ContentTooLargeError('$', bytes.length, CONTENT_LIMITS.maxContentBytes);
  }
  return bytes;
}

/**
 * Decodes and validates bytes from an opened envelope. Throws only ContentError subclasses:
 * MalformedContentError (not UTF-8 JSON), InvalidContentError (with the path), ContentTooLargeError.
 */
export function decodeContent(bytes: Uint8Array): MessageContent {
  if (!(bytes instanceof Uint8Array)) throw new InvalidContentError('$', 'decodeContent takes a Uint8Array');
  if (bytes.length > CONTENT_LIMITS.maxContentBytes) {
    throw new ContentTooLargeError('$', bytes.length, CONTENT_LIMITS.maxContentBytes);
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new MalformedContentError('byte-order-mark', 'UTF-8 without a byte order mark is expected');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new MalformedContentError('not-utf8', 'the bytes are not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedContentError('not-json', 'the text is not JSON');
  }
  return validateContent(value);
}
