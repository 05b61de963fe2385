import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { translator } from '../i18n';
import { buildMessageView } from '../services/content-view';
import { MessageBody } from './MessageBody';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const sender = {
  senderId: 'health',
  displayName: { nl: 'Gezondheid', fr: 'Santé' },
  logo: 'javascript:x',
  signingKeys: [],
};
const view = buildMessageView(
  {
    v: 1,
    lang: 'nl',
    texts: {
      nl: { title: 'Uw test', body: 'Negatief.\nBlijf gezond.' },
      fr: { title: 'Votre test', body: 'Négatif.' },
    },
    parts: [
      { kind: 'qr', data: 'HC1:XYZ', label: { nl: 'Certificaat' } },
      { kind: 'ebox', documentId: 'doc-1', title: { nl: 'Verslag' } },
      {
        kind: 'wallet',
        offerUri: 'openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.test%2Fo',
      },
    ],
    expiresAt: '2030-01-01T00:00:00Z',
  },
  ['fr'],
  { now: 0 },
);

let container: HTMLDivElement;
afterEach(() => container?.remove());

describe('MessageBody', () => {
  it('renders the verified sender, the text, the QR code, the document and wallet actions', async () => {
    container = document.createElement('div');
    document.body.append(container);
    const onOpenDocument = vi.fn();
    const root = createRoot(container);
    await act(async () => {
      root.render(
        <MessageBody
          view={view}
          sender={sender}
          lang="fr"
          t={translator('fr')}
          onOpenDocument={onOpenDocument}
        />,
      );
    });
    expect(container.querySelector('[data-testid=sender-name]')?.textContent).toBe('Santé');
    expect(container.querySelector('img')).toBeNull(); // unsafe logo dropped
    expect(container.querySelector('h1')?.textContent).toBe('Votre test');
    expect(container.querySelector('article')?.getAttribute('lang')).toBe('fr');
    expect(container.querySelector('[data-testid=expiry]')?.textContent).toContain("Valable jusqu'au");
    const qr = container.querySelector('[data-testid=part-qr] svg');
    expect(qr?.getAttribute('role')).toBe('img');
    expect(qr?.getAttribute('aria-label')).toBe('Code QR: Certificaat');
    expect(qr?.querySelector('path')?.getAttribute('d')).toMatch(/^M4 4h1v1h-1z/);
    const button = container.querySelector<HTMLButtonElement>('[data-testid=part-ebox] button');
    await act(async () => button?.click());
    expect(onOpenDocument).toHaveBeenCalledWith('/ebox/documents/doc-1', 'Verslag');
    expect(container.querySelector('[data-testid=part-wallet] a')?.getAttribute('href')).toMatch(
      /^openid-credential-offer:/,
    );
    act(() => root.unmount());
  });
});
