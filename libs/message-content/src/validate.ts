import { decodeBase64 } from './base64';
import { ContentTooLargeError, InvalidContentError } from './errors';
import { CONTENT_LIMITS } from './limits';
import {
  CONTENT_LANGUAGES,
  IMAGE_MEDIA_TYPES,
  type ContentLanguage,
  type ContentPart,
  type ImageMediaType,
  type Localized,
  type LocalizedText,
  type MessageContent,
} from './types';
import { credentialOfferProblem } from './wallet-offer';

/**
 * Checks an untrusted value against version 1 and returns it rebuilt with a fixed key order, so
 * equal contents encode to equal bytes (the content digest depends on it). Throws
 * InvalidContentError / ContentTooLargeError naming the path.
 */
export function validateContent(value: unknown): MessageContent {
  const root = object(value, '$', ['v', 'lang', 'texts', 'parts', 'expiresAt']);
  if (root['v'] !== 1)
    throw new InvalidContentError('$.v', 'must be 1 (the only version this library reads)');
  const lang = language(root['lang'], '$.lang');
  const texts = localized(root['texts'], '$.texts', localizedText);
  if (!texts[lang]) throw new InvalidContentError('$.texts', `must include the message language "${lang}"`);
  const content: { -readonly [K in keyof MessageContent]: MessageContent[K] } = { v: 1, lang, texts };
  if (root['parts'] !== undefined) content.parts = parts(root['parts'], '$.parts');
  if (root['expiresAt'] !== undefined) content.expiresAt = instant(root['expiresAt'], '$.expiresAt');
  return content;
}

type Fields = Record<string, unknown>;

function object(
  value: unknown,
  path: string,
  allowed: readonly string[],
  required: readonly string[] = [],
): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidContentError(path, 'must be an object');
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new InvalidContentError(
        `${path}.${key}`,
        `is not a field of version 1 (allowed: ${allowed.join(', ')})`,
      );
    }
  }
  const fields = value as Fields;
  for (const key of required) {
    if (fields[key] === undefined) throw new InvalidContentError(`${path}.${key}`, 'is required');
  }
  return fields;
}

function language(value: unknown, path: string): ContentLanguage {
  if (typeof value !== 'string' || !(CONTENT_LANGUAGES as readonly string[]).includes(value)) {
    throw new InvalidContentError(path, `must be one of ${CONTENT_LANGUAGES.join(', ')}`);
  }
  return value as ContentLanguage;
}

function localized<T>(value: unknown, path: string, item: (value: unknown, path: string) => T): Localized<T> {
  const fields = object(value, path, CONTENT_LANGUAGES);
  const out: Partial<Record<ContentLanguage, T>> = {};
  for (const lang of CONTENT_LANGUAGES) {
    if (fields[lang] !== undefined) out[lang] = item(fields[lang], `${path}.${lang}`);
  }
  if (Object.keys(out).length === 0) {
    throw new InvalidContentError(path, `needs at least one language of ${CONTENT_LANGUAGES.join(', ')}`);
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 and C1 controls and DEL; bodies may keep line feeds and tabs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
// eslint-disable-next-line no-control-regex
const BODY_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

function text(value: unknown, path: string, maxChars: number, control = CONTROL): string {
  if (typeof value !== 'string') throw new InvalidContentError(path, 'must be a string');
  if (value.trim() === '') throw new InvalidContentError(path, 'must not be empty');
  if (LONE_SURROGATE.test(value))
    throw new InvalidContentError(path, 'must be valid Unicode (a lone surrogate)');
  if (control.test(value)) {
    throw new InvalidContentError(
      path,
      control === CONTROL
        ? 'must not contain control characters'
        : 'must not contain control characters other than \\n and \\t',
    );
  }
  const chars = [...value].length;
  if (chars > maxChars)
    throw new InvalidContentError(path, `must be at most ${maxChars} characters, got ${chars}`);
  return value;
}

const label = (value: unknown, path: string): string => text(value, path, CONTENT_LIMITS.maxLabelChars);

function localizedText(value: unknown, path: string): LocalizedText {
  const fields = object(value, path, ['title', 'body'], ['title', 'body']);
  return {
    title: text(fields['title'], `${path}.title`, CONTENT_LIMITS.maxTitleChars),
    body: text(fields['body'], `${path}.body`, CONTENT_LIMITS.maxBodyChars, BODY_CONTROL),
  };
}

function parts(value: unknown, path: string): ContentPart[] {
  if (!Array.isArray(value)) throw new InvalidContentError(path, 'must be an array');
  if (value.length > CONTENT_LIMITS.maxParts) {
    throw new InvalidContentError(
      path,
      `must have at most ${CONTENT_LIMITS.maxParts} parts, got ${value.length}`,
    );
  }
  return value.map((item, i) => part(item, `${path}[${i}]`));
}

const encoder = new TextEncoder();

function part(value: unknown, path: string): ContentPart {
  const kind = object(value, path, [
    'kind',
    'data',
    'label',
    'mediaType',
    'alt',
    'documentId',
    'title',
    'offerUri',
  ])['kind'];
  switch (kind) {
    case 'qr': {
      const f = object(value, path, ['kind', 'data', 'label'], ['data']);
      const data = f['data'];
      if (typeof data !== 'string' || data === '')
        throw new InvalidContentError(`${path}.data`, 'must be a non-empty string');
      if (LONE_SURROGATE.test(data))
        throw new InvalidContentError(`${path}.data`, 'must be valid Unicode (a lone surrogate)');
      const bytes = encoder.encode(data).length;
      if (bytes > CONTENT_LIMITS.maxQrDataBytes) {
        throw new ContentTooLargeError(`${path}.data`, bytes, CONTENT_LIMITS.maxQrDataBytes);
      }
      return f['label'] === undefined
        ? { kind: 'qr', data }
        : { kind: 'qr', data, label: localized(f['label'], `${path}.label`, label) };
    }
    case 'image': {
      const f = object(value, path, ['kind', 'mediaType', 'data', 'alt'], ['mediaType', 'data', 'alt']);
      const mediaType = f['mediaType'];
      if (typeof mediaType !== 'string' || !(IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
        throw new InvalidContentError(`${path}.mediaType`, `must be one of ${IMAGE_MEDIA_TYPES.join(', ')}`);
      }
      const data = f['data'];
      const bytes = typeof data === 'string' ? decodeBase64(data) : undefined;
      if (typeof data !== 'string' || !bytes) {
        throw new InvalidContentError(
          `${path}.data`,
          'must be canonical standard base64 (RFC 4648 section 4, padded)',
        );
      }
      if (bytes.length > CONTENT_LIMITS.maxImageBytes) {
        throw new ContentTooLargeError(`${path}.data`, bytes.length, CONTENT_LIMITS.maxImageBytes);
      }
      if (!hasSignature(bytes, mediaType as ImageMediaType)) {
        throw new InvalidContentError(
          `${path}.data`,
          `is not a ${mediaType} file (its first bytes do not match)`,
        );
      }
      return {
        kind: 'image',
        mediaType: mediaType as ImageMediaType,
        data,
        alt: localized(f['alt'], `${path}.alt`, label),
      };
    }
    case 'ebox': {
      const f = object(value, path, ['kind', 'documentId', 'title'], ['documentId', 'title']);
      const documentId = f['documentId'];
      if (typeof documentId !== 'string' || !DOCUMENT_ID.test(documentId)) {
        throw new InvalidContentError(
          `${path}.documentId`,
          `must be 1-${CONTENT_LIMITS.maxDocumentIdChars} characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'`,
        );
      }
      return { kind: 'ebox', documentId, title: localized(f['title'], `${path}.title`, label) };
    }
    case 'wallet': {
      const f = object(value, path, ['kind', 'offerUri', 'title'], ['offerUri']);
      const offerUri = f['offerUri'];
      if (typeof offerUri !== 'string' || offerUri.length > CONTENT_LIMITS.maxOfferUriChars) {
        throw new InvalidContentError(
          `${path}.offerUri`,
          `must be a string of at most ${CONTENT_LIMITS.maxOfferUriChars} characters`,
        );
      }
      const problem = credentialOfferProblem(offerUri);
      if (problem)
        throw new InvalidContentError(`${path}.offerUri`, `an OpenID4VCI credential offer URI ${problem}`);
      return f['title'] === undefined
        ? { kind: 'wallet', offerUri }
        : { kind: 'wallet', offerUri, title: localized(f['title'], `${path}.title`, label) };
    }
    default:
      throw new InvalidContentError(`${path}.kind`, 'must be one of qr, image, ebox, wallet');
  }
}

const DOCUMENT_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${CONTENT_LIMITS.maxDocumentIdChars}}$`);

const SIGNATURES: Record<ImageMediaType, (b: Uint8Array) => boolean> = {
  'image/png': (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  // RIFF....WEBP
  'image/webp': (b) =>
    startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b.subarray(8), [0x57, 0x45, 0x42, 0x50]),
};

/** The image type its first bytes say (PNG, JPEG, WebP), if any: what validation checks. */
export function sniffImageMediaType(bytes: Uint8Array): ImageMediaType | undefined {
  return (Object.keys(SIGNATURES) as ImageMediaType[]).find((type) => SIGNATURES[type](bytes));
}

function hasSignature(bytes: Uint8Array, mediaType: ImageMediaType): boolean {
  return SIGNATURES[mediaType](bytes);
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function instant(value: unknown, path: string): string {
  if (typeof value !== 'string' || !UTC_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidContentError(path, 'must be an ISO 8601 UTC instant such as 2026-12-01T12:00:00Z');
  }
  // Date.parse rolls 2026-02-30 over to March: a real date prints back the same.
  const iso = new Date(Date.parse(value)).toISOString();
  if (iso.slice(0, 19) !== value.slice(0, 19))
    throw new InvalidContentError(path, 'is not a calendar date and time');
  return value;
}
