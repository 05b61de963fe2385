/**
 * Size limits of version 1. The whole document must fit an envelope (1 MiB of plaintext, the
 * @smis/crypto MAX_CONTENT_BYTES); the rest keep one message readable on a phone.
 */
export const CONTENT_LIMITS = Object.freeze({
  /** The encoded document, bytes (equal to @smis/crypto MAX_CONTENT_BYTES). */
  maxContentBytes: 1024 * 1024,
  /** Characters (code points). */
  maxTitleChars: 200,
  maxBodyChars: 20_000,
  /** Short labels: alt texts, part titles. */
  maxLabelChars: 500,
  maxParts: 16,
  /** Bytes of QR data: QR version 40, byte mode, error correction L. */
  maxQrDataBytes: 2953,
  /** Decoded image bytes. */
  maxImageBytes: 768 * 1024,
  maxDocumentIdChars: 128,
  maxOfferUriChars: 8192,
});
