import { randomBytes } from 'node:crypto';
import { emulatorPushConfig, type AppChannelConfig } from '@smis/app-channel';
import { startDevOidcProvider } from '@smis/oidc-dev-provider';
import { startPushEmulators } from '@smis/push-emulators';
import {
  startHttpSmsGatewaySimulator,
  startSmppSmscSimulator,
  startSmtpCaptureServer,
  type HttpSmsGatewaySimulator,
  type SmtpCaptureServer,
} from '@smis/sms-simulators';
import type { PlatformConfig } from './config';

/** Citizens of the local OpenID provider (valid NISS numbers, fictitious people). */
export const DEV_CITIZENS = [
  { niss: '93051822361', name: 'An Peeters' },
  { niss: '85073003328', name: 'Luc Dubois' },
];

export interface RunningSimulators {
  /** The SMS gateway simulator (tests read one-time codes from it). */
  smsGateway?: HttpSmsGatewaySimulator;
  smtp?: SmtpCaptureServer;
  /** Environment the services read (e.g. the local OpenID provider for identity). */
  env: NodeJS.ProcessEnv;
  /** Push settings pointing the app channel at the emulators, when they run. */
  push?: Partial<AppChannelConfig['push']>;
  urls: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The edges the platform does not own, as local emulators speaking the real protocols (FCM, APNs,
 * Web Push, ...), for `npm start` and tests. Off with SMIS_SIMULATORS=false; a push provider
 * configured through the environment is never replaced.
 */
export async function startSimulators(
  config: PlatformConfig,
  env: NodeJS.ProcessEnv,
): Promise<RunningSimulators> {
  const closers: (() => Promise<void>)[] = [];
  const urls: Record<string, string> = {};
  const result: RunningSimulators = {
    env: {},
    urls,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
  if (['0', 'false', 'no'].includes((env.SMIS_SIMULATORS ?? 'true').toLowerCase())) return result;
  // The app channel's own variable names (libs/app-channel/src/config.ts); the unprefixed ones
  // were never read by anything, so a configured provider used to be replaced by the emulators.
  const pushConfigured =
    env.SMIS_APP_CHANNEL_FCM_SERVICE_ACCOUNT ||
    env.SMIS_APP_CHANNEL_APNS_PRIVATE_KEY ||
    env.SMIS_APP_CHANNEL_VAPID_PRIVATE_KEY ||
    env.FCM_SERVICE_ACCOUNT ||
    env.APNS_PRIVATE_KEY ||
    env.VAPID_PRIVATE_KEY;
  if (config.services.has('app-channel') && !pushConfigured) {
    const push = await startPushEmulators();
    closers.push(() => push.close());
    result.push = emulatorPushConfig(push);
    urls['FCM emulator'] = push.fcm.url;
    urls['APNs emulator'] = push.apns.url;
    urls['Web Push emulator'] = push.webPush.url;
  }
  if (config.services.has('sms-channel') && !env.SMIS_SMS_PROVIDERS) {
    const callbackToken = randomBytes(18).toString('base64url');
    const gateway = await startHttpSmsGatewaySimulator({ callbackToken });
    const smsc = await startSmppSmscSimulator();
    closers.push(
      () => gateway.close(),
      () => smsc.close(),
    );
    result.smsGateway = gateway;
    Object.assign(result.env, {
      SMIS_SMS_PROVIDERS: 'gateway,smsc',
      SMIS_SMS_PROVIDER_GATEWAY_KIND: 'http',
      SMIS_SMS_PROVIDER_GATEWAY_URL: gateway.url,
      SMIS_SMS_PROVIDER_GATEWAY_USERNAME: gateway.username,
      SMIS_SMS_PROVIDER_GATEWAY_PASSWORD: gateway.password,
      SMIS_SMS_PROVIDER_GATEWAY_CALLBACK_TOKEN: callbackToken,
      SMIS_SMS_PROVIDER_GATEWAY_WEIGHT: '100',
      SMIS_SMS_PROVIDER_GATEWAY_PRICE_EUR: '0.05',
      SMIS_SMS_PROVIDER_SMSC_KIND: 'smpp',
      SMIS_SMS_PROVIDER_SMSC_HOST: smsc.host,
      SMIS_SMS_PROVIDER_SMSC_PORT: String(smsc.port),
      SMIS_SMS_PROVIDER_SMSC_SYSTEM_ID: smsc.systemId,
      SMIS_SMS_PROVIDER_SMSC_PASSWORD: smsc.password,
      SMIS_SMS_PROVIDER_SMSC_WEIGHT: '0',
      SMIS_SMS_PROVIDER_SMSC_PRICE_EUR: '0.06',
    });
    urls['SMS gateway simulator'] = `${gateway.url} (messages: ${gateway.url}/_simulator/messages)`;
    urls['SMPP simulator'] = `smpp://${smsc.host}:${smsc.port}`;
  }
  if (config.services.has('email-channel') && !env.SMIS_EMAIL_SMTP_HOST) {
    const smtp = await startSmtpCaptureServer();
    closers.push(() => smtp.close());
    result.smtp = smtp;
    Object.assign(result.env, {
      SMIS_EMAIL_SMTP_HOST: smtp.host,
      SMIS_EMAIL_SMTP_PORT: String(smtp.port),
      SMIS_EMAIL_SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
    });
    urls['SMTP capture'] = `smtp://${smtp.host}:${smtp.port}`;
  }
  if (config.services.has('identity') && !env.SMIS_IDENTITY_OIDC_DISCOVERY_URL) {
    // The citizen app is the redirect target: it completes the login by forwarding code and state
    // to /v1/identity/oidc/callback (docs/adr/0900-citizen-app.md). An explicit URI wins.
    const ownHost = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host;
    const redirectUri =
      env.SMIS_IDENTITY_OIDC_REDIRECT_URI?.trim() || `http://${ownHost}:${config.port}/app/`;
    const secret = 'dev-only-secret';
    const oidc = await startDevOidcProvider({
      citizens: DEV_CITIZENS,
      clients: [{ clientId: 'smis-citizen-app', clientSecret: secret, redirectUris: [redirectUri] }],
    });
    closers.push(() => oidc.close());
    Object.assign(result.env, {
      SMIS_IDENTITY_OIDC_DISCOVERY_URL: oidc.discoveryUrl,
      SMIS_IDENTITY_OIDC_CLIENT_ID: 'smis-citizen-app',
      SMIS_IDENTITY_OIDC_CLIENT_SECRET: secret,
      SMIS_IDENTITY_OIDC_REDIRECT_URI: redirectUri,
    });
    urls['OpenID provider'] = oidc.issuer;
  }
  return result;
}
