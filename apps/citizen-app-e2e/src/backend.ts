import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyring, type PlatformKeyring } from '@smis/keyring';
import { createTweetnaclEnvelopeCrypto, type SenderKeyPair } from '@smis/crypto';
import { startDevOidcProvider, type DevOidcProvider } from '@smis/oidc-dev-provider';
import type { HttpSmsGatewaySimulator } from '@smis/sms-simulators';
import { stringify } from 'yaml';
// The platform process, started in-process (type:e2e may use apps).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { bootstrap, type RunningPlatform } from '../../platform/src/bootstrap';

export const TEST_SENDER = {
  senderId: 'e2e-health',
  displayName: { en: 'Public Health (e2e)', nl: 'Volksgezondheid (e2e)', fr: 'Santé publique (e2e)' },
};
export const OIDC_CITIZEN = { niss: '93051822361', name: 'Test Citizen' };
const OIDC_CLIENT = { clientId: 'smis-identity-e2e', clientSecret: 'e2e-secret-0123456789abcdef' };

export interface Backend {
  platform: RunningPlatform;
  sms: HttpSmsGatewaySimulator;
  oidc: DevOidcProvider;
  keyring: PlatformKeyring;
  senderKey: SenderKeyPair;
  close(): Promise<void>;
}

/**
 * The real backend for the citizen-app e2e: the platform process from apps/platform (every
 * service module and its simulators, the SMS gateway among them), the local OpenID Connect provider,
 * a fresh keyring and a sender registry with one test sender. Kafka and PostgreSQL come from
 * the shared test harness.
 *
 * The environment variable names are those of the services' own config loaders
 * (`SMIS_IDENTITY_OIDC_*` in libs/identity/src/config.ts, `SMIS_SMS_*` in
 * libs/sms-channel/src/config.ts); adapt here if the platform wiring names them differently.
 */
export async function startBackend(options: {
  kafkaBrokers: string[];
  databaseUrl: string;
  appOrigin: string;
}): Promise<Backend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'smis-citizen-e2e-'));
  const keyring = generateKeyring();
  const keyringFile = join(dataDir, 'keys.json');
  writeFileSync(keyringFile, JSON.stringify(keyring), { mode: 0o600 });
  const senderKey = createTweetnaclEnvelopeCrypto().generateSenderKeyPair();
  const sendersFile = join(dataDir, 'senders.yaml');
  writeFileSync(
    sendersFile,
    stringify({
      senders: [
        {
          ...TEST_SENDER,
          signingKeys: [
            { keyId: senderKey.keyId, publicKey: Buffer.from(senderKey.publicKey).toString('base64') },
          ],
        },
      ],
    }),
  );

  // The app is the OIDC redirect target: it forwards code and state to /v1/identity/oidc/callback.
  const redirectUri = `${options.appOrigin}/app/`;
  const oidc = await startDevOidcProvider({
    citizens: [OIDC_CITIZEN],
    clients: [{ ...OIDC_CLIENT, redirectUris: [redirectUri] }],
  });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: options.kafkaBrokers.join(','),
    DATABASE_URL: options.databaseUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    SMIS_SERVICES: 'all',
    SMIS_DATA_DIR: dataDir,
    SMIS_KEYRING_FILE: keyringFile,
    SMIS_SENDERS_FILE: sendersFile,
    SMIS_IDENTITY_OIDC_DISCOVERY_URL: oidc.discoveryUrl,
    SMIS_IDENTITY_OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
    SMIS_IDENTITY_OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
    SMIS_IDENTITY_OIDC_REDIRECT_URI: redirectUri,
  };
  let platform: RunningPlatform;
  try {
    platform = await bootstrap(env);
  } catch (error) {
    await oidc.close();
    throw error;
  }
  // The platform's own SMS gateway simulator (apps/platform/src/simulators.ts) carries the codes.
  const sms = platform.smsGateway;
  if (!sms) throw new Error('The platform started no SMS gateway simulator (SMIS_SIMULATORS=false?)');
  return {
    platform,
    sms,
    oidc,
    keyring,
    senderKey,
    async close() {
      await platform.close();
      await oidc.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const SURFACES = {
  identity: ['identity (enrolment, credential keys)', '/v1/identity/.well-known/jwks.json', undefined],
  'app-channel': ['app-channel (sender directory)', '/v1/app/senders', undefined],
  gateway: [
    'gateway (key lookup for the sender SDK)',
    '/v1/gateway/keys/lookup',
    { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
  ],
} satisfies Record<string, [string, string, RequestInit | undefined]>;

/**
 * Fails fast, naming the HTTP surfaces the platform process does not serve (yet), rather than
 * letting the browser time out.
 */
export async function assertPlatformServes(url: string, services: (keyof typeof SURFACES)[]): Promise<void> {
  const missing: string[] = [];
  for (const service of services) {
    const [name, path, init] = SURFACES[service];
    const response = await fetch(url + path, init);
    if (response.status === 404) missing.push(`${name}: ${init?.method ?? 'GET'} ${path} → 404`);
  }
  if (missing.length > 0) throw new Error(`The platform process does not host:\n  ${missing.join('\n  ')}`);
}
