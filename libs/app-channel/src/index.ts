// @smis/app-channel: the mobile app messaging service. Inboxes of sealed envelopes, devices and
// their push addresses, FCM / APNs / Web Push, the app API (/v1/app), the key directory.

export { AppChannelModule } from './app-channel.module';
export {
  loadAppChannelConfig,
  validateAppChannelConfig,
  AppChannelConfigError,
  APP_CHANNEL_DEFAULTS,
  type AppChannelConfig,
  type AppChannelConfigInput,
  type ApnsConfig,
  type FcmConfig,
  type PushConfig,
  type WebPushConfig,
} from './config';
export type {
  AppChannelPorts,
  CredentialVerifierPort,
  KeyDirectoryPort,
  Reachability,
  VerifiedCredential,
} from './ports';
export { KeyDirectoryService } from './key-directory';
export { BROADCAST_DELIVERY, KEY_DIRECTORY } from './tokens';
// Broadcasts (ADR 1100): stored once, shown on sync, pushed via FCM topics and a device stream.
export {
  BroadcastDeliveryService,
  type BroadcastAudienceKind,
  type BroadcastPushTarget,
  type StagedBroadcast,
} from './broadcast/broadcast-delivery.service';
export { countryTopic, regionTopic } from './broadcast/broadcast-topics';
export { emulatorPushConfig } from './emulator-config';

// Push providers behind one interface.
export {
  PUSH_PROVIDER_KINDS,
  type PushNotification,
  type PushOutcome,
  type PushProvider,
  type PushProviderKind,
  type TopicPushProvider,
  supportsTopics,
} from './push/push-provider';
export { FcmPushProvider } from './push/fcm-provider';
export { ApnsPushProvider } from './push/apns-provider';
export { WebPushProvider } from './push/web-push-provider';
export { sendWithRetry } from './push/push-dispatcher';

// The device request signature (for the app and tools).
export {
  DEVICE_HEADERS,
  DEVICE_ID_PATTERN,
  deviceSigningInput,
  signDeviceRequest,
  verifyDeviceSignature,
  type DeviceRequestParts,
} from './http/device-signature';
export { REASONS as APP_CHANNEL_REASONS } from './events';
export {
  AppChannelError,
  AuthenticationError,
  ConflictError,
  InvalidCommandError,
  NotFoundError,
} from './errors';

// For tools (the broadcast bench): the schema and the store over it.
export { APP_CHANNEL_ENTITIES } from './entities';
export { APP_CHANNEL_MIGRATIONS } from './migrations';
export { AppChannelStore } from './store';
