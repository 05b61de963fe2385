import { ApnsEmulator } from './apns-emulator';
import { FcmEmulator } from './fcm-emulator';
import { WebPushEmulator } from './web-push-emulator';

export interface PushEmulators {
  fcm: FcmEmulator;
  apns: ApnsEmulator;
  webPush: WebPushEmulator;
  /** Forgets received pushes, gone tokens and throttles on all three. */
  reset(): void;
  close(): Promise<void>;
}

export interface StartPushEmulatorsOptions {
  host?: string;
  fcmProjectId?: string;
  apnsTopic?: string;
}

/** Starts the FCM, APNs and Web Push emulators in this process, each on a free port. */
export async function startPushEmulators(options: StartPushEmulatorsOptions = {}): Promise<PushEmulators> {
  const host = options.host ?? '127.0.0.1';
  const [fcm, apns, webPush] = await Promise.all([
    FcmEmulator.start({ host, projectId: options.fcmProjectId }),
    ApnsEmulator.start({ host, topic: options.apnsTopic }),
    WebPushEmulator.start({ host }),
  ]);
  return {
    fcm,
    apns,
    webPush,
    reset: () => {
      fcm.reset();
      apns.reset();
      webPush.reset();
    },
    close: async () => {
      await Promise.all([fcm.close(), apns.close(), webPush.close()]);
    },
  };
}
