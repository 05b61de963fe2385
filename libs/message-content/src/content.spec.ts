import { describe, expect, it } from 'vitest';
import {
  sniffImageMediaType,
  CONTENT_LIMITS,
  ContentTooLargeError,
  InvalidContentError,
  MalformedContentError,
  decodeContent,
  encodeContent,
  languageOrder,
  measureContent,
  pickLanguage,
  pickLocalized,
  pickText,
  type MessageContent,
} from './index';
import { decodeBase64, encodeBase64 } from './base64';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const OFFER =
  'openid-credential-offer://?credential_offer=' +
  encodeURIComponent(
    JSON.stringify({
      credential_issuer: 'https://issuer.example.be',
      credential_configuration_ids: ['covid-test'],
    }),
  );

const full: MessageContent = {
  v: 1,
  lang: 'fr',
  texts: {
    nl: { title: 'Uw testresultaat', body: 'Uw resultaat is beschikbaar.\nBekijk het in de app.' },
    fr: { title: 'Votre résultat', body: 'Votre résultat est disponible.' },
  },
  parts: [
    { kind: 'qr', data: 'HC1:6BFOXN%TS3DH0YOJ58S', label: { nl: 'Toon deze code' } },
    { kind: 'image', mediaType: 'image/png', data: encodeBase64(PNG), alt: { fr: 'Logo', nl: 'Logo' } },
    { kind: 'ebox', documentId: 'doc-2026:0001', title: { nl: 'Attest' } },
    { kind: 'wallet', offerUri: OFFER, title: { en: 'Add to wallet' } },
  ],
  expiresAt: '2026-12-01T12:00:00Z',
};

const bytesOf = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('encodeContent / decodeContent', () => {
  it('round-trips every part kind', () => {
    expect(decodeContent(encodeContent(full))).toEqual(full);
  });

  it('encodes equal contents to equal bytes whatever the key order', () => {
    const reordered = JSON.parse(
      JSON.stringify({
        expiresAt: full.expiresAt,
        parts: full.parts,
        texts: { fr: full.texts.fr, nl: full.texts.nl },
        lang: 'fr',
        v: 1,
      }),
    ) as MessageContent;
    expect(encodeContent(reordered)).toEqual(encodeContent(full));
  });

  it('names the path of an invalid value', () => {
    const bad = { ...full, texts: { ...full.texts, nl: { title: 'x', body: '' } } };
    const error = errorOf(() => decodeContent(bytesOf(bad)));
    expect(error).toBeInstanceOf(InvalidContentError);
    expect((error as InvalidContentError).path).toBe('$.texts.nl.body');
  });

  it.each([
    [{ ...full, v: 2 }, '$.v'],
    [{ ...full, extra: true }, '$.extra'],
    [{ ...full, lang: 'es' }, '$.lang'],
    [{ ...full, lang: 'de' }, '$.texts'],
    [{ ...full, texts: {} }, '$.texts'],
    [{ ...full, texts: { ...full.texts, nl: { title: 'a\u0007', body: 'b' } } }, '$.texts.nl.title'],
    [{ ...full, texts: { ...full.texts, nl: { title: 'a', body: 'b\uD800' } } }, '$.texts.nl.body'],
    [{ ...full, parts: [{ kind: 'video' }] }, '$.parts[0].kind'],
    [{ ...full, parts: [{ kind: 'qr', data: 'x', label: {} }] }, '$.parts[0].label'],
    [
      { ...full, parts: [{ kind: 'image', mediaType: 'image/gif', data: 'R0lG', alt: { nl: 'x' } }] },
      '$.parts[0].mediaType',
    ],
    [
      { ...full, parts: [{ kind: 'image', mediaType: 'image/png', data: 'not base64!', alt: { nl: 'x' } }] },
      '$.parts[0].data',
    ],
    [
      {
        ...full,
        parts: [{ kind: 'image', mediaType: 'image/jpeg', data: encodeBase64(PNG), alt: { nl: 'x' } }],
      },
      '$.parts[0].data',
    ],
    [
      { ...full, parts: [{ kind: 'image', mediaType: 'image/png', data: encodeBase64(PNG) }] },
      '$.parts[0].alt',
    ],
    [
      { ...full, parts: [{ kind: 'ebox', documentId: '../etc', title: { nl: 'x' } }] },
      '$.parts[0].documentId',
    ],
    [
      { ...full, parts: [{ kind: 'wallet', offerUri: 'https://issuer.example.be/offer' }] },
      '$.parts[0].offerUri',
    ],
    [
      {
        ...full,
        parts: [{ kind: 'wallet', offerUri: 'openid-credential-offer://?credential_offer_uri=http://x' }],
      },
      '$.parts[0].offerUri',
    ],
    [
      { ...full, parts: [{ kind: 'wallet', offerUri: 'openid-credential-offer://?credential_offer={}' }] },
      '$.parts[0].offerUri',
    ],
    [{ ...full, expiresAt: '2026-02-30T00:00:00Z' }, '$.expiresAt'],
    [{ ...full, expiresAt: '2026-12-01T12:00:00+01:00' }, '$.expiresAt'],
  ])('rejects %j at %s', (value, path) => {
    const error = errorOf(() => decodeContent(bytesOf(value)));
    expect(error).toBeInstanceOf(InvalidContentError);
    expect((error as InvalidContentError).path).toBe(path);
    expect(error.message).toContain(path);
  });

  it('accepts a credential offer by reference', () => {
    const content = {
      ...full,
      parts: [
        {
          kind: 'wallet' as const,
          offerUri: 'openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example.be%2Fo%2F1',
        },
      ],
    };
    expect(decodeContent(encodeContent(content)).parts).toHaveLength(1);
  });

  it('tells malformed bytes apart from invalid content', () => {
    expect((errorOf(() => decodeContent(new Uint8Array([0xff, 0xfe]))) as MalformedContentError).reason).toBe(
      'not-utf8',
    );
    expect((errorOf(() => decodeContent(bytesOf('x').subarray(0, 2))) as MalformedContentError).reason).toBe(
      'not-json',
    );
    expect(
      (errorOf(() => decodeContent(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))) as MalformedContentError)
        .reason,
    ).toBe('byte-order-mark');
  });

  it('refuses content over the size limits', () => {
    const image = new Uint8Array(CONTENT_LIMITS.maxImageBytes + 1);
    image.set(PNG);
    const tooBigImage = {
      ...full,
      parts: [
        {
          kind: 'image' as const,
          mediaType: 'image/png' as const,
          data: encodeBase64(image),
          alt: { nl: 'x' },
        },
      ],
    };
    const error = errorOf(() => encodeContent(tooBigImage));
    expect(error).toBeInstanceOf(ContentTooLargeError);
    expect(error).toMatchObject({ path: '$.parts[0].data', limitBytes: CONTENT_LIMITS.maxImageBytes });

    const oversized = new Uint8Array(CONTENT_LIMITS.maxContentBytes + 1);
    expect(errorOf(() => decodeContent(oversized))).toBeInstanceOf(ContentTooLargeError);
  });

  it('never quotes the content in an error message', () => {
    const secret = 'Positive for X';
    const error = errorOf(() =>
      decodeContent(bytesOf({ ...full, texts: { nl: { title: secret, body: 1 } }, lang: 'nl' })),
    );
    expect(error.message).not.toContain(secret);
  });
});

describe('sniffImageMediaType', () => {
  it('names PNG, JPEG and WebP by their first bytes, and nothing else', () => {
    expect(sniffImageMediaType(PNG)).toBe('image/png');
    expect(sniffImageMediaType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageMediaType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageMediaType(new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt '))).toBeUndefined();
    // Only a PNG's full 8-byte signature counts, not "PNG" at offset 1.
    expect(sniffImageMediaType(new TextEncoder().encode(' PNG not an image'))).toBeUndefined();
    expect(sniffImageMediaType(new Uint8Array())).toBeUndefined();
  });
});

describe('base64', () => {
  it('decodes only canonical padded base64', () => {
    expect(decodeBase64('AQID')).toEqual(new Uint8Array([1, 2, 3]));
    expect(decodeBase64('AQ==')).toEqual(new Uint8Array([1]));
    expect(decodeBase64('AR==')).toBeUndefined(); // non-zero padding bits
    expect(decodeBase64('AQ')).toBeUndefined();
    expect(decodeBase64('A=Q=')).toBeUndefined();
    expect(decodeBase64('AQ-_')).toBeUndefined();
    for (let n = 0; n < 8; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 200) & 0xff);
      expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
    }
  });
});

describe('languages', () => {
  it('prefers the reader, then the message language, then nl, fr, de, en', () => {
    expect(languageOrder(['de-BE', 'EN'], 'fr')).toEqual(['de', 'en', 'fr', 'nl']);
    expect(languageOrder(['es', 'pt'])).toEqual(['nl', 'fr', 'de', 'en']);
    expect(pickLanguage(full, ['fr-BE'])).toBe('fr');
    expect(pickLanguage(full, ['de'])).toBe('fr'); // no German: the message's own language
    expect(pickLanguage(full, ['nl_BE', 'fr'])).toBe('nl');
    expect(pickText(full, []).text).toEqual(full.texts.fr);
  });

  it('localizes part labels in the same order', () => {
    expect(pickLocalized({ en: 'Add', de: 'Hinzufügen' }, ['fr'], 'nl')).toEqual({
      lang: 'de',
      value: 'Hinzufügen',
    });
    expect(() => pickLocalized({}, ['fr'])).toThrow(TypeError);
  });
});

describe('measureContent', () => {
  it('accounts text and each part, within the encoded size', () => {
    const size = measureContent(full);
    expect(size.languages).toEqual(['nl', 'fr']);
    expect(size.parts.map((p) => p.kind)).toEqual(['text', 'qr', 'image', 'ebox', 'wallet']);
    expect(size.totalSizeBytes).toBe(encodeContent(full).length);
    const sum = size.parts.reduce((total, p) => total + p.sizeBytes, 0);
    expect(sum).toBeLessThan(size.totalSizeBytes);
    expect(size.parts[0].sizeBytes).toBe(new TextEncoder().encode(JSON.stringify(full.texts)).length);
  });
});
