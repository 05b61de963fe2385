export {
  DEFAULT_POLICY,
  LANGUAGES,
  type Category,
  type CitizenCap,
  type Language,
  type Sender,
  type SenderPolicy,
  type SenderSigningKey,
} from './sender';
export {
  createSenderRegistry,
  loadSenderRegistry,
  validateSender,
  SenderRegistryError,
  SENDER_ID,
  type SenderRegistry,
} from './registry';
