import {
  CONTENT_LANGUAGES,
  type ContentLanguage,
  type Localized,
  type LocalizedText,
  type MessageContent,
} from './types';

/**
 * The language order for one reader: first the reader's preferred languages in their order
 * (BCP 47 tags, matched on the primary subtag, case-insensitive: `nl-BE` is `nl`), then the
 * message's own language (`lang`), then the fixed order nl, fr, de, en. Duplicates removed.
 */
export function languageOrder(
  preferred: readonly string[],
  messageLanguage?: ContentLanguage,
): ContentLanguage[] {
  const order: ContentLanguage[] = [];
  const add = (lang: ContentLanguage | undefined): void => {
    if (lang && !order.includes(lang)) order.push(lang);
  };
  for (const tag of preferred) add(primaryLanguage(tag));
  add(messageLanguage);
  for (const lang of CONTENT_LANGUAGES) add(lang);
  return order;
}

function primaryLanguage(tag: string): ContentLanguage | undefined {
  if (typeof tag !== 'string') return undefined;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return (CONTENT_LANGUAGES as readonly string[]).includes(primary)
    ? (primary as ContentLanguage)
    : undefined;
}

/** The first language of `languageOrder` that `values` has, with its value. */
export function pickLocalized<T>(
  values: Localized<T>,
  preferred: readonly string[],
  messageLanguage?: ContentLanguage,
): { lang: ContentLanguage; value: T } {
  for (const lang of languageOrder(preferred, messageLanguage)) {
    const value = values[lang];
    if (value !== undefined) return { lang, value };
  }
  // Validated content always has a language; an empty object is a caller's bug.
  throw new TypeError('pickLocalized needs at least one language in values');
}

/** The language to show `content` in for a reader preferring `preferred` (see languageOrder). */
export function pickLanguage(content: MessageContent, preferred: readonly string[]): ContentLanguage {
  return pickLocalized(content.texts, preferred, content.lang).lang;
}

/** Title and body in the picked language. */
export function pickText(
  content: MessageContent,
  preferred: readonly string[],
): { lang: ContentLanguage; text: LocalizedText } {
  const { lang, value } = pickLocalized(content.texts, preferred, content.lang);
  return { lang, text: value };
}
