// Test fixtures (not exported from the index): an in-process transcryptor and credential
// verifier over a generated keyring, citizens, devices and sealed envelopes.
import {
  createSodiumEnvelopeCrypto,
  encodeEnvelope,
  type DeviceKeyPair,
  type SenderKeyPair,
} from '@smis/crypto';
import type { PlatformKeyring } from '@smis/keyring';
import {
  createPseudonymizer,
  createTranscryptor,
  type EncryptedPseudonym,
  type PolymorphicPseudonym,
  type TranscryptionPort,
} from '@smis/pseudonym';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import type { CredentialVerifierPort, VerifiedCredential } from '../ports';
import { signDeviceRequest } from '../http/device-signature';

export const CREDENTIAL_AUDIENCE = 'smis-app-channel';
export const CREDENTIAL_ISSUER = 'smis-identity';

export function inProcessTranscryption(keyring: PlatformKeyring): TranscryptionPort & { calls: number } {
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  const port = {
    calls: 0,
    async transcrypt(
      pseudonyms: readonly PolymorphicPseudonym[],
      domain: Parameters<TranscryptionPort['transcrypt']>[1],
    ) {
      port.calls += 1;
      return transcryptor.transcryptBatch(pseudonyms, domain);
    },
  };
  return port;
}

/** Verifies credentials as identity will: EdDSA with the keyring's identity key, audience smis-app-channel. */
export function joseCredentialVerifier(keyring: PlatformKeyring): CredentialVerifierPort {
  const key = importJWK(keyring.identity.credentialPublicKey as Parameters<typeof importJWK>[0], 'EdDSA');
  return {
    async verify(token: string): Promise<VerifiedCredential> {
      const { payload } = await jwtVerify(token, await key, {
        algorithms: ['EdDSA'],
        audience: CREDENTIAL_AUDIENCE,
        issuer: CREDENTIAL_ISSUER,
      });
      if (!Array.isArray(payload['app']) || !Array.isArray(payload['pp']))
        throw new Error('credential without app/pp');
      return {
        subject: String(payload.sub),
        app: payload['app'] as EncryptedPseudonym[],
        pp: payload['pp'] as PolymorphicPseudonym[],
        methods: (payload['amr'] as string[] | undefined) ?? [],
      };
    },
  };
}

export interface TestCitizen {
  identifier: string;
  /** A polymorphic pseudonym as a sender makes it. */
  pp: PolymorphicPseudonym;
  credential: string;
}

export async function enrolCitizen(keyring: PlatformKeyring, identifier?: string): Promise<TestCitizen> {
  const id = identifier ?? `tel:+32470${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
  const pseudonymizer = createPseudonymizer(keyring.pseudonym.public);
  const transcryptor = createTranscryptor(keyring.pseudonym.transcryptor);
  const pp = pseudonymizer.polymorphicPseudonym(id);
  const key = await importJWK(
    keyring.identity.credentialPrivateKey as Parameters<typeof importJWK>[0],
    'EdDSA',
  );
  const credential = await new SignJWT({
    app: [transcryptor.transcrypt(pseudonymizer.rerandomize(pp), 'app')],
    pp: [pseudonymizer.rerandomize(pp)],
    amr: ['otp'],
  })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(randomBytes(12).toString('base64url'))
    .setIssuer(CREDENTIAL_ISSUER)
    .setAudience(CREDENTIAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);
  return { identifier: id, pp: pseudonymizer.rerandomize(pp), credential };
}

export interface TestDevice {
  deviceId: string;
  keys: DeviceKeyPair;
  signing: { seed: Uint8Array; publicKey: Uint8Array };
  sign(method: string, path: string, body?: string, timestamp?: number): Record<string, string>;
}

export function newDevice(): TestDevice {
  const crypto = createSodiumEnvelopeCrypto();
  const pair = generateKeyPairSync('ed25519');
  const jwk = pair.privateKey.export({ format: 'jwk' });
  const signing = {
    seed: Buffer.from(jwk.d as string, 'base64url'),
    publicKey: Buffer.from(jwk.x as string, 'base64url'),
  };
  const deviceId = randomBytes(16).toString('base64url');
  return {
    deviceId,
    keys: crypto.generateDeviceKeyPair(),
    signing,
    sign: (method, path, body, timestamp) =>
      signDeviceRequest(signing, { method, path, deviceId, body, timestamp }),
  };
}

export function sealFor(
  sender: SenderKeyPair,
  senderId: string,
  messageId: string,
  content: string,
  devices: readonly DeviceKeyPair[],
  expiresAt: number,
): Buffer {
  const crypto = createSodiumEnvelopeCrypto();
  const sealed = crypto.seal(
    {
      senderId,
      messageId,
      expiresAt,
      content: Buffer.from(content, 'utf8'),
      recipients: devices.map((d) => ({ keyId: d.keyId, publicKey: d.publicKey })),
    },
    sender,
  );
  return Buffer.from(encodeEnvelope(sealed));
}
