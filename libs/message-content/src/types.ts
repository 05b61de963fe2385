/**
 * The message content format (ADR 5, ADR 1000): what a citizen's app shows, sealed end to end.
 * JSON, UTF-8. Version 1 is closed: a new field or part kind is version 2, never a silent
 * addition, so an app never shows half of a message it does not understand.
 */

/** The languages the platform serves, in its fallback order (the national languages, then English). */
export const CONTENT_LANGUAGES = ['nl', 'fr', 'de', 'en'] as const;
export type ContentLanguage = (typeof CONTENT_LANGUAGES)[number];

/** One value per language; at least one language is present. */
export type Localized<T> = Partial<Record<ContentLanguage, T>>;

export interface LocalizedText {
  /** One line, no control characters. */
  readonly title: string;
  /** Plain text; line breaks (`\n`) allowed. */
  readonly body: string;
}

/** A QR code the app renders from `data` (a ticket, a test certificate, a payment). */
export interface QrPart {
  readonly kind: 'qr';
  readonly data: string;
  /** What the QR code is for, shown under it. */
  readonly label?: Localized<string>;
}

export const IMAGE_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

/** An inline image; `data` is standard base64 (RFC 4648 §4, padded) of a PNG, JPEG or WebP file. */
export interface ImagePart {
  readonly kind: 'image';
  readonly mediaType: ImageMediaType;
  readonly data: string;
  /** Text alternative for screen readers (required: accessibility is not optional). */
  readonly alt: Localized<string>;
}

/** A link to a document in the citizen's eBox; the app opens it there. */
export interface EboxPart {
  readonly kind: 'ebox';
  readonly documentId: string;
  readonly title: Localized<string>;
}

/** An OpenID4VCI credential offer the app hands to the citizen's wallet. */
export interface WalletPart {
  readonly kind: 'wallet';
  /** `openid-credential-offer://?credential_offer=…` or `…?credential_offer_uri=https://…`. */
  readonly offerUri: string;
  readonly title?: Localized<string>;
}

export type ContentPart = QrPart | ImagePart | EboxPart | WalletPart;
export type ContentPartKind = ContentPart['kind'];
export const CONTENT_PART_KINDS: readonly ContentPartKind[] = ['qr', 'image', 'ebox', 'wallet'];

export interface MessageContent {
  readonly v: 1;
  /** The message's own language: present in `texts`, and the fallback before the fixed order. */
  readonly lang: ContentLanguage;
  readonly texts: Localized<LocalizedText>;
  /** Shown after the text, in this order. */
  readonly parts?: readonly ContentPart[];
  /**
   * When the content stops being valid, for display ("valid until …"): an ISO 8601 UTC instant
   * (`2026-12-01T12:00:00Z`). Display only: the request's expiresAt is what the platform enforces.
   */
  readonly expiresAt?: string;
}
