/**
 * @smis/message-content: what a citizen reads, inside the sealed envelope (ADR 5, ADR 1000).
 * Browser-safe: no Node built-ins, no Buffer; the citizen app bundles it.
 */
export {
  CONTENT_LANGUAGES,
  CONTENT_PART_KINDS,
  IMAGE_MEDIA_TYPES,
  type ContentLanguage,
  type ContentPart,
  type ContentPartKind,
  type EboxPart,
  type ImageMediaType,
  type ImagePart,
  type Localized,
  type LocalizedText,
  type MessageContent,
  type QrPart,
  type WalletPart,
} from './types';
export {
  ContentError,
  ContentTooLargeError,
  InvalidContentError,
  MalformedContentError,
  isContentError,
  type ContentErrorCode,
} from './errors';
export { CONTENT_LIMITS } from './limits';
export { encodeContent, decodeContent } from './codec';
export { sniffImageMediaType, validateContent } from './validate';
export { languageOrder, pickLanguage, pickLocalized, pickText } from './language';
export { measureContent, type ContentSize } from './size';
export { credentialOfferProblem, CREDENTIAL_OFFER_SCHEME } from './wallet-offer';
