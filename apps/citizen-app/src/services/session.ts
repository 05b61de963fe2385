import type { AppChannelApi, PushTarget } from '../api/app-channel';
import type { IdentityApi, IssuedCredential } from '../api/identity';
import type { UiLanguage } from '../i18n';
import { DeviceKeyStore, generateDeviceKeys, publicKeysOf, type DeviceKeys } from './device-keys';
import type { KeyValueStore } from './storage';

export const APP_VERSION = '0.1.0';

/** What survives restarts besides the keys: the enrolment's outcome and the language choice. */
export interface Enrolment {
  credential: string;
  methods: string[];
  keyId: string;
  registeredAt: number;
}

/**
 * The device's enrolment: keys (generated on device, kept wrapped), the credential, the
 * registration with the app channel. One instance per running app.
 */
export class CitizenSession {
  private deviceKeys?: DeviceKeys;

  constructor(
    private readonly store: KeyValueStore,
    private readonly keyStore: DeviceKeyStore = new DeviceKeyStore(store),
  ) {}

  get keys(): DeviceKeys {
    if (!this.deviceKeys) throw new Error('This device is not enrolled');
    return this.deviceKeys;
  }

  /** Loads keys and enrolment; undefined when the device is not enrolled. */
  async restore(): Promise<Enrolment | undefined> {
    const enrolment = await this.store.get<Enrolment>('enrolment');
    if (!enrolment) return undefined;
    this.deviceKeys = await this.keyStore.load();
    return this.deviceKeys ? enrolment : undefined;
  }

  /**
   * Registers this device with a fresh credential: new key pairs the first time, the same keys
   * when re-registering (e.g. linking a strong authentication to a phone enrolment).
   */
  async register(
    issued: IssuedCredential,
    app: Pick<AppChannelApi, 'register'>,
    options: { locale: string; push: PushTarget | null; notificationsEnabled: boolean },
  ): Promise<Enrolment> {
    if (!this.deviceKeys) {
      const fresh = generateDeviceKeys();
      await this.keyStore.save(fresh);
      this.deviceKeys = fresh;
    }
    const registered = await app.register({
      credential: issued.credential,
      ...publicKeysOf(this.deviceKeys),
      push: options.push,
      notificationsEnabled: options.notificationsEnabled,
      locale: options.locale,
      appVersion: APP_VERSION,
    });
    const enrolment: Enrolment = {
      credential: issued.credential,
      methods: issued.methods,
      keyId: registered.keyId,
      registeredAt: Date.now(),
    };
    await this.store.set('enrolment', enrolment);
    return enrolment;
  }

  async language(): Promise<UiLanguage | undefined> {
    return this.store.get<UiLanguage>('language');
  }

  async setLanguage(lang: UiLanguage): Promise<void> {
    await this.store.set('language', lang);
  }
}

/** The OIDC round trip leaves the app; this tells the reloaded app to finish it. */
export function oidcRedirectParams(
  search: string,
): { state: string; code?: string; error?: string } | undefined {
  const params = new URLSearchParams(search);
  const state = params.get('state');
  const code = params.get('code') ?? undefined;
  const error = params.get('error') ?? undefined;
  if (!state || (!code && !error)) return undefined;
  return { state, code, error };
}

export type { IdentityApi };
