import {
  credentialOfferProblem,
  pickLocalized,
  pickText,
  type ContentLanguage,
  type Localized,
  type MessageContent,
} from '@smis/message-content';
import { eboxDocumentUrl } from '../api/ebox';
import type { SenderDirectoryEntry } from '../api/app-channel';

/** What the message screen shows, computed from verified content (pure: unit-tested). */
export type PartView =
  | { kind: 'qr'; data: string; label?: string }
  | { kind: 'image'; src: string; alt: string }
  | { kind: 'ebox'; documentId: string; title: string; url: string }
  | { kind: 'wallet'; offerUri: string; title?: string; valid: boolean };

export interface MessageView {
  lang: ContentLanguage;
  title: string;
  body: string;
  parts: PartView[];
  /** Display expiry from the content (or the envelope): when, and whether it has passed. */
  expiry?: { at: Date; expired: boolean };
}

function pick(
  values: Localized<string> | undefined,
  preferred: readonly string[],
  lang: ContentLanguage,
): string | undefined {
  if (!values || Object.keys(values).length === 0) return undefined;
  return pickLocalized(values, preferred, lang).value;
}

export function buildMessageView(
  content: MessageContent,
  preferred: readonly string[],
  options: { now?: number; envelopeExpiresAt?: number; eboxBase?: string } = {},
): MessageView {
  const now = options.now ?? Date.now();
  const { lang, text } = pickText(content, preferred);
  const parts: PartView[] = (content.parts ?? []).map((part): PartView => {
    switch (part.kind) {
      case 'qr':
        return { kind: 'qr', data: part.data, label: pick(part.label, preferred, lang) };
      case 'image':
        return {
          kind: 'image',
          src: `data:${part.mediaType};base64,${part.data}`,
          alt: pick(part.alt, preferred, lang) ?? '',
        };
      case 'ebox':
        return {
          kind: 'ebox',
          documentId: part.documentId,
          title: pick(part.title, preferred, lang) ?? part.documentId,
          url: eboxDocumentUrl(part.documentId, options.eboxBase),
        };
      case 'wallet':
        return {
          kind: 'wallet',
          offerUri: part.offerUri,
          title: pick(part.title, preferred, lang),
          valid: credentialOfferProblem(part.offerUri) === undefined,
        };
    }
  });
  const expiresAt = content.expiresAt ? Date.parse(content.expiresAt) : options.envelopeExpiresAt;
  return {
    lang,
    title: text.title,
    body: text.body,
    parts,
    expiry:
      expiresAt !== undefined && !Number.isNaN(expiresAt)
        ? { at: new Date(expiresAt), expired: expiresAt <= now }
        : undefined,
  };
}

/** The sender's display name in the reader's language (directory names are keyed by language tag). */
export function senderName(
  entry: SenderDirectoryEntry | undefined,
  preferred: readonly string[],
  fallback = '',
): string {
  if (!entry) return fallback;
  const names = entry.displayName ?? {};
  for (const tag of [...preferred, 'nl', 'fr', 'de', 'en']) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    const hit = names[tag] ?? names[primary];
    if (hit) return hit;
  }
  return Object.values(names)[0] ?? entry.senderId;
}

/** A logo from the directory is shown only if it is an inline image or an https URL. */
export function safeLogo(logo: string | null | undefined): string | undefined {
  if (!logo) return undefined;
  if (/^data:image\/(png|jpeg|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(logo)) return logo;
  try {
    const url = new URL(logo);
    return url.protocol === 'https:' ? logo : undefined;
  } catch {
    return undefined;
  }
}
