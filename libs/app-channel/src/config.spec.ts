import { generateKeyring } from '@smis/keyring';
import { describe, expect, it } from 'vitest';
import {
  APP_CHANNEL_DEFAULTS,
  AppChannelConfigError,
  loadAppChannelConfig,
  validateAppChannelConfig,
} from './config';

describe('app channel configuration', () => {
  const keyring = generateKeyring();
  const appKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'app')!;

  it('takes the app domain key from the keyring and fills the defaults', () => {
    const config = loadAppChannelConfig({ DATABASE_URL: 'postgres://x/y' }, keyring);
    expect(config.domainKey).toEqual(appKey);
    expect(config).toMatchObject({
      schema: 'app_channel',
      jobsTopic: 'smis.channel.app.v1',
      eventsTopic: 'smis.events.v1',
    });
    expect(config.push).toMatchObject(APP_CHANNEL_DEFAULTS.push);
    expect(config.push.fcm).toBeUndefined();
    expect(config.partitionsConsumedConcurrently).toBe(12);
    expect(config.push.concurrency).toBe(64);
  });

  it('reads the jobs consumer and push concurrency from the environment', () => {
    const config = loadAppChannelConfig(
      { SMIS_APP_CHANNEL_PARTITIONS_CONCURRENTLY: '6', SMIS_APP_CHANNEL_PUSH_CONCURRENCY: '128' },
      keyring,
    );
    expect(config.partitionsConsumedConcurrently).toBe(6);
    expect(config.push.concurrency).toBe(128);
    expect(() => loadAppChannelConfig({ SMIS_APP_CHANNEL_PUSH_CONCURRENCY: '0' }, keyring)).toThrow(
      /SMIS_APP_CHANNEL_PUSH_CONCURRENCY/,
    );
    expect(() =>
      validateAppChannelConfig({ domainKey: appKey, partitionsConsumedConcurrently: 1.5 }),
    ).toThrow(/partitionsConsumedConcurrently must be a whole number/);
  });

  it('reads the providers from the environment', () => {
    const config = loadAppChannelConfig(
      {
        SMIS_APP_CHANNEL_FCM_SERVICE_ACCOUNT: JSON.stringify({
          project_id: 'p',
          client_email: 'e@x',
          private_key: 'k',
          token_uri: 'https://t',
        }),
        SMIS_APP_CHANNEL_APNS_TEAM_ID: 'T',
        SMIS_APP_CHANNEL_APNS_KEY_ID: 'K',
        SMIS_APP_CHANNEL_APNS_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----',
        SMIS_APP_CHANNEL_APNS_TOPIC: 'be.smis.app',
        SMIS_APP_CHANNEL_VAPID_SUBJECT: 'mailto:ops@smis.example',
        SMIS_APP_CHANNEL_VAPID_PUBLIC_KEY: Buffer.alloc(65, 4).toString('base64url'),
        SMIS_APP_CHANNEL_VAPID_PRIVATE_KEY: Buffer.alloc(32, 1).toString('base64url'),
        SMIS_APP_CHANNEL_PUSH_MAX_ATTEMPTS: '6',
      },
      keyring,
    );
    expect(config.push.fcm?.endpoint).toBe('https://fcm.googleapis.com');
    expect(config.push.apns).toMatchObject({ teamId: 'T', endpoint: 'https://api.push.apple.com' });
    expect(config.push.apns?.privateKey).toContain('\nabc\n');
    expect(config.push.webPush?.allowInsecureEndpoints).toBe(false);
    expect(config.push.maxAttempts).toBe(6);
  });

  it('names every wrong field', () => {
    const routerKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'router')!;
    expect(() =>
      validateAppChannelConfig({
        domainKey: routerKey,
        schema: 'Bad-Schema',
        jobsTopic: 'no spaces',
        push: { maxAttempts: 0 },
      }),
    ).toThrow(/domainKey must be the app domain's key.*schema 'Bad-Schema'.*jobsTopic.*push.maxAttempts/);
    expect(() =>
      validateAppChannelConfig({
        domainKey: appKey,
        push: { webPush: { subject: 'x', publicKey: 'a', privateKey: 'b' } },
      }),
    ).toThrow(AppChannelConfigError);
    expect(() => loadAppChannelConfig({ SMIS_APP_CHANNEL_SWEEP_INTERVAL_MS: 'soon' }, keyring)).toThrow(
      /SMIS_APP_CHANNEL_SWEEP_INTERVAL_MS/,
    );
    expect(() => loadAppChannelConfig({}, { pseudonym: { ...keyring.pseudonym, domainKeys: [] } })).toThrow(
      /no app-domain/,
    );
  });
});
