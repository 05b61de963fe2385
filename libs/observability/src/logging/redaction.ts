/**
 * Keys whose values are personal data or secrets: never in a log line. A key matches when its
 * lower-cased letters and digits contain one of these (`phoneNumber`, `push_token`, `emailAddress`
 * ...). This also catches harmless keys such as `contentType`; a log line without them is the
 * cheaper mistake.
 */
export const PERSONAL_DATA_KEYS: readonly string[] = [
  'niss',
  'phone',
  'email',
  'token',
  'secret',
  'password',
  'content',
  'plaintext',
];

export const REDACTED = '[redacted]';

const MAX_DEPTH = 6;

function normalize(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isPersonalDataKey(key: string, keys: readonly string[] = PERSONAL_DATA_KEYS): boolean {
  const normalized = normalize(key);
  return keys.some((word) => normalized.includes(word));
}

/** Patterns of personal data in free text (messages, error texts): e-mail, E.164 phone, NISS. */
const TEXT_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  [/\+\d{8,15}\b/g, '[phone]'],
  [/\b\d{2}\.?\d{2}\.?\d{2}-?\d{3}\.?\d{2}\b/g, '[niss]'],
];

/** Free text with e-mail addresses, international phone numbers and NISS-shaped numbers masked. */
export function scrubText(text: string): string {
  return TEXT_PATTERNS.reduce((result, [pattern, mask]) => result.replace(pattern, mask), text);
}

/**
 * A copy of `value` with the values of personal-data keys replaced at any depth (bounded), and
 * strings scrubbed of personal-data patterns. Buffers become their length: bytes in a log line
 * are ciphertext at best.
 */
export function redactPersonalData(
  value: unknown,
  keys: readonly string[] = PERSONAL_DATA_KEYS,
  depth = 0,
): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (value instanceof Error) return { type: value.name, message: scrubText(value.message) };
  if (value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.map((item) => redactPersonalData(item, keys, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    result[key] = isPersonalDataKey(key, keys) ? REDACTED : redactPersonalData(entry, keys, depth + 1);
  }
  return result;
}
