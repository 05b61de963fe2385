import type { MessageContent } from '@smis/message-content';
import { describe, expect, it } from 'vitest';
import { buildMessageView, safeLogo, senderName } from './content-view';

const content: MessageContent = {
  v: 1,
  lang: 'fr',
  texts: {
    nl: { title: 'Testresultaat', body: 'Uw resultaat.\nTweede regel.' },
    fr: { title: 'Résultat du test', body: 'Votre résultat.' },
    en: { title: 'Test result', body: 'Your result.' },
  },
  parts: [
    { kind: 'qr', data: 'HC1:ABC', label: { nl: 'Uw certificaat', en: 'Your certificate' } },
    { kind: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=', alt: { fr: 'Logo', de: 'Logo DE' } },
    { kind: 'ebox', documentId: 'doc-42', title: { de: 'Bescheid' } },
    {
      kind: 'wallet',
      offerUri: 'openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.test%2Foffer%2F1',
    },
    { kind: 'wallet', offerUri: 'https://not-a-wallet.test' },
  ],
  expiresAt: '2030-01-01T00:00:00Z',
};

describe('buildMessageView', () => {
  it("shows the reader's language when present", () => {
    const view = buildMessageView(content, ['nl-BE'], { now: Date.parse('2029-01-01T00:00:00Z') });
    expect(view.lang).toBe('nl');
    expect(view.title).toBe('Testresultaat');
    expect(view.body).toBe('Uw resultaat.\nTweede regel.');
    expect(view.parts[0]).toEqual({ kind: 'qr', data: 'HC1:ABC', label: 'Uw certificaat' });
    expect(view.expiry).toEqual({ at: new Date('2030-01-01T00:00:00Z'), expired: false });
  });

  it("falls back to the message's own language, then nl, fr, de, en", () => {
    expect(buildMessageView(content, ['de']).lang).toBe('fr');
    expect(buildMessageView(content, ['es', 'it']).title).toBe('Résultat du test');
    const onlyEnglish: MessageContent = { v: 1, lang: 'en', texts: { en: { title: 'Hi', body: 'B' } } };
    expect(buildMessageView(onlyEnglish, ['nl']).title).toBe('Hi');
  });

  it('localizes part texts with the same fallback and builds safe part views', () => {
    const view = buildMessageView(content, ['de']);
    expect(view.parts[1]).toEqual({
      kind: 'image',
      src: 'data:image/png;base64,iVBORw0KGgo=',
      alt: 'Logo DE',
    });
    expect(view.parts[2]).toEqual({
      kind: 'ebox',
      documentId: 'doc-42',
      title: 'Bescheid',
      url: '/ebox/documents/doc-42',
    });
    expect(view.parts[3]).toMatchObject({ kind: 'wallet', valid: true });
    expect(view.parts[4]).toMatchObject({ kind: 'wallet', valid: false });
    expect(buildMessageView(content, ['en']).parts[0]).toMatchObject({ label: 'Your certificate' });
  });

  it('marks passed expiry, and uses the envelope expiry when the content has none', () => {
    expect(
      buildMessageView(content, ['nl'], { now: Date.parse('2031-01-01T00:00:00Z') }).expiry?.expired,
    ).toBe(true);
    const noExpiry: MessageContent = { v: 1, lang: 'nl', texts: { nl: { title: 't', body: 'b' } } };
    expect(buildMessageView(noExpiry, ['nl']).expiry).toBeUndefined();
    expect(buildMessageView(noExpiry, ['nl'], { envelopeExpiresAt: 5, now: 10 }).expiry).toEqual({
      at: new Date(5),
      expired: true,
    });
  });
});

describe('sender presentation', () => {
  const entry = {
    senderId: 'tax',
    displayName: { 'nl-BE': 'FOD Financiën', en: 'Tax office' },
    logo: null,
    signingKeys: [],
  };
  it('picks the display name by language', () => {
    expect(senderName(entry, ['nl-BE'])).toBe('FOD Financiën');
    expect(senderName(entry, ['en'])).toBe('Tax office');
    expect(senderName(undefined, ['en'], 'tax')).toBe('tax');
  });
  it('accepts only inline images and https logos', () => {
    expect(safeLogo('data:image/png;base64,AAAA')).toBe('data:image/png;base64,AAAA');
    expect(safeLogo('https://cdn.test/logo.svg')).toBe('https://cdn.test/logo.svg');
    expect(safeLogo('javascript:alert(1)')).toBeUndefined();
    expect(safeLogo('http://cdn.test/logo.svg')).toBeUndefined();
    expect(safeLogo(null)).toBeUndefined();
  });
});
