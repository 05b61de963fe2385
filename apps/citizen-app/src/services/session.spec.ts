import { describe, expect, it, vi } from 'vitest';
import { initialLanguage, translator } from '../i18n';
import { moveChannel, parseRegions } from '../ui/SettingsPage';
import { CitizenSession, oidcRedirectParams } from './session';
import { memoryStore } from './storage';

describe('CitizenSession', () => {
  it('generates keys on first registration, keeps them on re-registration, and restores them', async () => {
    const store = memoryStore();
    const session = new CitizenSession(store);
    expect(await session.restore()).toBeUndefined();
    const register = vi.fn(async () => ({ deviceId: 'd', keyId: 'abcdef0123456789', identities: 1 }));
    const options = { locale: 'nl', push: null, notificationsEnabled: false };
    await session.register(
      { credential: 'jwt.one.x', expiresAt: 0, methods: ['sms_otp'] },
      { register },
      options,
    );
    const first = session.keys;
    await session.register(
      { credential: 'jwt.two.x', expiresAt: 0, methods: ['sms_otp', 'oidc'] },
      { register },
      options,
    );
    expect(session.keys).toBe(first);
    const calls = register.mock.calls as unknown as [{ signingPublicKey: string; credential: string }][];
    expect(calls[0][0].signingPublicKey).toBe(calls[1][0].signingPublicKey);
    expect(calls[1][0].credential).toBe('jwt.two.x');

    const restored = new CitizenSession(store);
    expect((await restored.restore())?.methods).toEqual(['sms_otp', 'oidc']);
    expect(restored.keys.deviceId).toBe(first.deviceId);
    expect(restored.keys.encryption.secretKey).toEqual(first.encryption.secretKey);
  });

  it('reads the OIDC redirect parameters', () => {
    expect(oidcRedirectParams('?code=c1&state=s1')).toEqual({ state: 's1', code: 'c1', error: undefined });
    expect(oidcRedirectParams('?error=access_denied&state=s1')).toEqual({
      state: 's1',
      code: undefined,
      error: 'access_denied',
    });
    expect(oidcRedirectParams('?code=c1')).toBeUndefined();
    expect(oidcRedirectParams('')).toBeUndefined();
  });
});

describe('language choice and preferences helpers', () => {
  it('picks the first supported device language, else Dutch', () => {
    expect(initialLanguage(['es-ES', 'fr-BE', 'nl'])).toBe('fr');
    expect(initialLanguage(['it'])).toBe('nl');
    expect(translator('de')('inbox')).toBe('Posteingang');
    expect(translator('fr')('notifDenied')).toBe(translator('en')('notifDenied'));
  });
  it('moves channels and parses alert regions', () => {
    expect(moveChannel(['APP', 'SMS', 'EMAIL'], 2, -1)).toEqual(['APP', 'EMAIL', 'SMS']);
    expect(moveChannel(['APP', 'SMS'], 0, -1)).toEqual(['APP', 'SMS']);
    expect(parseRegions('21004, 11002;bad-one 21004')).toEqual(['21004', '11002']);
  });
});
