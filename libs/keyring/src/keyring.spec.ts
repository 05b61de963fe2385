import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPseudonymizer, createTranscryptor } from '@smis/pseudonym';
import { describe, expect, it } from 'vitest';
import { generateKeyring, KeyringError, loadOrCreateKeyring, parseKeyring } from './keyring';

describe('keyring', () => {
  it('generates working pseudonym keys, channel keys and distinct service tokens', () => {
    const k = generateKeyring();
    const pp = createPseudonymizer(k.pseudonym.public).polymorphicPseudonym('tel:+32470123456');
    expect(createTranscryptor(k.pseudonym.transcryptor).transcrypt(pp, 'router')).toBeTruthy();
    expect(Buffer.from(k.channels.sms.publicKey, 'base64')).toHaveLength(32);
    expect(k.channels.sms.keyId).not.toBe(k.channels.email.keyId);
    expect(new Set(Object.values(k.serviceTokens)).size).toBe(Object.keys(k.serviceTokens).length);
    expect(k.identity.credentialPrivateKey.crv).toBe('Ed25519');
  });

  it('creates the file once with mode 0600 and reads the same keys back', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'keyring-')), 'keys.json');
    const first = loadOrCreateKeyring(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadOrCreateKeyring(file);
    expect(second.created).toBe(false);
    expect(second.keyring.serviceTokens.router).toBe(first.keyring.serviceTokens.router);
  });

  it('names what an incomplete keyring lacks', () => {
    expect(() => parseKeyring({ version: 1 })).toThrow(KeyringError);
    expect(() => parseKeyring({ version: 1 })).toThrow(/pseudonym.*serviceTokens\.router/);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'keyring-')), 'keys.json');
    writeFileSync(file, '{not json');
    expect(() => loadOrCreateKeyring(file)).toThrow(/Delete it to generate new keys/);
  });
});
