import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContentError, decodeContent, encodeContent, type ContentPart, type MessageContent } from './index';

/** decodeContent on hostile input: it returns valid content or throws a ContentError, nothing else. */
function decodesOrTypedError(bytes: Uint8Array): void {
  try {
    const content = decodeContent(bytes);
    // Whatever it accepts, it can encode again, to the same value.
    expect(decodeContent(encodeContent(content))).toEqual(content);
  } catch (error) {
    if (!(error instanceof ContentError)) throw error;
    expect(error.path.startsWith('$')).toBe(true);
  }
}

const language = fc.constantFrom('nl', 'fr', 'de', 'en', 'es', '');
const jsonish = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.dictionary(fc.string(), fc.string()),
);
const localized = fc.dictionary(language, fc.oneof(fc.string(), jsonish));
const partArb = fc.record(
  {
    kind: fc.oneof(fc.constantFrom('qr', 'image', 'ebox', 'wallet'), fc.string()),
    data: fc.oneof(fc.string(), fc.base64String(), jsonish),
    mediaType: fc.constantFrom('image/png', 'image/jpeg', 'image/webp', 'text/html'),
    alt: localized,
    label: localized,
    title: localized,
    documentId: fc.string(),
    offerUri: fc.oneof(
      fc.webUrl(),
      fc.string().map((s) => `openid-credential-offer://?credential_offer=${s}`),
    ),
  },
  { requiredKeys: [] },
);
const contentLike = fc.record(
  {
    v: fc.oneof(fc.constant(1), jsonish),
    lang: language,
    texts: fc.dictionary(
      language,
      fc.oneof(fc.record({ title: fc.string(), body: fc.string() }, { requiredKeys: [] }), jsonish),
    ),
    parts: fc.oneof(fc.array(partArb, { maxLength: 4 }), jsonish),
    expiresAt: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
    ),
  },
  { requiredKeys: [] },
);

const word = fc.stringMatching(/^[A-Za-z0-9éèàüß ,.!?]{0,30}[a-z]$/);
const langs = fc.subarray(['nl', 'fr', 'de', 'en'] as const, { minLength: 1 });
const localizedWords = langs
  .chain((ls) => fc.tuple(...ls.map((l) => word.map((w) => [l, w] as const))))
  .map(Object.fromEntries);
const validPart: fc.Arbitrary<ContentPart> = fc.oneof(
  fc.record({ kind: fc.constant('qr' as const), data: word }),
  fc.record({
    kind: fc.constant('ebox' as const),
    documentId: fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/),
    title: localizedWords,
  }),
);
const validContent: fc.Arbitrary<MessageContent> = langs.chain((ls) =>
  fc.record({
    v: fc.constant(1 as const),
    lang: fc.constantFrom(...ls),
    texts: fc
      .tuple(...ls.map((l) => fc.record({ title: word, body: word }).map((t) => [l, t] as const)))
      .map(Object.fromEntries),
    parts: fc.array(validPart, { maxLength: 3 }),
  }),
);

describe('decodeContent fuzz', () => {
  it('throws only ContentError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => decodesOrTypedError(bytes)),
      { numRuns: 500 },
    );
  });

  it('throws only ContentError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) =>
        decodesOrTypedError(new TextEncoder().encode(JSON.stringify(value))),
      ),
      { numRuns: 500 },
    );
  });

  it('throws only ContentError on near-valid content', () => {
    fc.assert(
      fc.property(contentLike, (value) =>
        decodesOrTypedError(new TextEncoder().encode(JSON.stringify(value))),
      ),
      { numRuns: 1000 },
    );
  });

  it('round-trips generated valid content, and stays typed when one field is replaced', () => {
    fc.assert(
      fc.property(
        validContent,
        fc.constantFrom('v', 'lang', 'texts', 'parts', 'expiresAt'),
        jsonish,
        (content, key, junk) => {
          const bytes = encodeContent(content);
          expect(decodeContent(bytes)).toEqual(content);
          decodesOrTypedError(new TextEncoder().encode(JSON.stringify({ ...content, [key]: junk })));
        },
      ),
      { numRuns: 300 },
    );
  });
});
