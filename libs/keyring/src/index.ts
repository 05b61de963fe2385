export {
  generateKeyring,
  loadOrCreateKeyring,
  parseKeyring,
  KeyringError,
  SERVICE_NAMES,
  type ChannelKeyMaterial,
  type PlatformKeyring,
  type ServiceName,
} from './keyring';
