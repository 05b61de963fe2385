import type { PushEmulators } from '@smis/push-emulators';
import { generateVAPIDKeys } from 'web-push';
import type { PushConfig } from './config';

/**
 * Push configuration pointing at in-process emulators (`startPushEmulators()` from
 * @smis/push-emulators): for `npm start` without real provider credentials, and for tests.
 */
export function emulatorPushConfig(emulators: PushEmulators): Pick<PushConfig, 'fcm' | 'apns' | 'webPush'> {
  const vapid = generateVAPIDKeys();
  const apnsKey = emulators.apns.providerKey();
  return {
    fcm: {
      serviceAccount: emulators.fcm.serviceAccount(),
      endpoint: emulators.fcm.url,
      iidEndpoint: emulators.fcm.url,
    },
    apns: { ...apnsKey, topic: emulators.apns.topic, endpoint: emulators.apns.url },
    webPush: {
      subject: 'mailto:platform@smis.example',
      publicKey: vapid.publicKey,
      privateKey: vapid.privateKey,
      allowInsecureEndpoints: true,
    },
  };
}
