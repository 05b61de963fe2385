import { validateContent } from './validate';
import type { ContentLanguage, ContentPartKind, MessageContent } from './types';

const encoder = new TextEncoder();

/** What the sender may declare about its content without revealing it (the request's ContentMetadata). */
export interface ContentSize {
  readonly languages: readonly ContentLanguage[];
  /** `text` (all titles and bodies, every language) first, then each part in display order. */
  readonly parts: readonly { readonly kind: 'text' | ContentPartKind; readonly sizeBytes: number }[];
  /** Length of encodeContent(content). */
  readonly totalSizeBytes: number;
}

/**
 * Size accounting: each entry is the length of that value's JSON in the encoded document, so the
 * parts add up to less than the total (the rest is the document's structure).
 */
export function measureContent(content: MessageContent): ContentSize {
  const valid = validateContent(content);
  const size = (value: unknown): number => encoder.encode(JSON.stringify(value)).length;
  return {
    languages: Object.keys(valid.texts) as ContentLanguage[],
    parts: [
      { kind: 'text', sizeBytes: size(valid.texts) },
      ...(valid.parts ?? []).map((part) => ({ kind: part.kind, sizeBytes: size(part) })),
    ],
    totalSizeBytes: size(valid),
  };
}
