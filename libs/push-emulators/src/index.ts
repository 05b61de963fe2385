// @smis/push-emulators: local FCM HTTP v1, APNs (HTTP/2) and Web Push services that speak the
// providers' real protocols and errors, for tests and `npm start`.
export { EmulatorControls, type PushEmulatorKind, type ReceivedPush } from './controls';
export { FcmEmulator, FCM_SCOPE, type FcmEmulatorOptions, type FcmServiceAccount } from './fcm-emulator';
export { ApnsEmulator, type ApnsEmulatorOptions, type ApnsProviderKey } from './apns-emulator';
export { WebPushEmulator, type EmulatedSubscription, type WebPushEmulatorOptions } from './web-push-emulator';
export {
  decryptWebPushPayload,
  generateSubscriptionSecrets,
  WebPushDecryptError,
  type PushSubscriptionJson,
  type SubscriptionSecrets,
} from './web-push-crypto';
export { startPushEmulators, type PushEmulators, type StartPushEmulatorsOptions } from './start';
