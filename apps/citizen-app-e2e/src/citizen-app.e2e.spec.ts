import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createSenderClient, type SenderClient } from '@smis/sender-sdk';
import type { MessageContent } from '@smis/message-content';
import { testDatabaseUrl, testKafkaBrokers } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The app's own test server (static build + /v1 proxy + e-Box stand-in).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { startAppServer, type AppServer } from '../../citizen-app/dev/static-server';
import { assertPlatformServes, OIDC_CITIZEN, startBackend, TEST_SENDER, type Backend } from './backend';

const ROOT = resolve(__dirname, '../../..');
const DIST = join(ROOT, 'dist/apps/citizen-app');
const ARTIFACTS = join(ROOT, 'test-artifacts/citizen-app-e2e');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let app: AppServer;
let backend: Backend;
let browser: Browser;
let sender: SenderClient;

beforeAll(async () => {
  if (!existsSync(join(DIST, 'index.html')))
    throw new Error(`Build the app first: npx nx run citizen-app:build (no ${DIST}/index.html)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startAppServer({ distDir: DIST });
  const kafkaBrokers = testKafkaBrokers();
  const databaseUrl = testDatabaseUrl();
  backend = await startBackend({ kafkaBrokers, databaseUrl, appOrigin: app.url });
  app.setApiTarget(backend.platform.url);
  await assertPlatformServes(backend.platform.url, ['identity', 'app-channel']);
  sender = createSenderClient({
    senderId: TEST_SENDER.senderId,
    signingKey: backend.senderKey,
    digestKey: randomBytes(32),
    systemPublicKey: backend.keyring.pseudonym.public,
    channelKeys: {
      sms: Buffer.from(backend.keyring.channels.sms.publicKey, 'base64'),
      email: Buffer.from(backend.keyring.channels.email.publicKey, 'base64'),
    },
    transport: { kind: 'kafka', brokers: kafkaBrokers, gatewayUrl: backend.platform.url },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await (sender as { close?: () => Promise<void> } | undefined)?.close?.();
  await backend?.close();
  await app?.close();
});

async function newCitizen(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'nl-BE', viewport: { width: 420, height: 900 } });
  // Granted, so the app goes as far as a push subscription (which headless Chromium refuses).
  await context.grantPermissions(['notifications'], { origin: app.url });
  const page = await context.newPage();
  await page.goto(`${app.url}/app/`);
  return { context, page };
}

const content = (title: string): MessageContent => ({
  v: 1,
  lang: 'nl',
  texts: {
    nl: { title: `${title} (nl)`, body: 'Uw testresultaat is negatief.\nToon de QR-code bij controle.' },
    fr: { title: `${title} (fr)`, body: 'Votre résultat est négatif.' },
    en: { title: `${title} (en)`, body: 'Your result is negative.' },
  },
  parts: [
    { kind: 'qr', data: `HC1:E2E-${randomUUID()}`, label: { nl: 'Uw certificaat', en: 'Your certificate' } },
  ],
  expiresAt: new Date(Date.now() + 7 * 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
});

async function sendAndWatch(recipient: string, body: MessageContent) {
  await assertPlatformServes(backend.platform.url, ['gateway']);
  const messageId = randomUUID();
  const statuses = sender.watch({ messageIds: [messageId] });
  await statuses.ready;
  const result = await sender.send({
    messageId,
    recipient,
    content: body,
    category: 'health',
    expiresAt: Date.now() + 24 * 3600_000,
  });
  expect(result.messageId).toBe(messageId);
  return { messageId, statuses };
}

describe('citizen app, end to end in Chromium', () => {
  it('enrols by phone, receives a multilingual message live, opens it verified, and the sender sees READ', async () => {
    const { context, page } = await newCitizen();
    try {
      const phone = `+32470${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
      await page.locator('[data-testid=phone] input').fill(phone);
      await page.locator('[data-testid=send-code]').click();
      const sms = await backend.sms
        .waitFor((s) => s.to.replace(/^\+/, '') === phone.replace(/^\+/, ''), 30_000)
        .catch((error: Error) => {
          throw new Error(
            `No enrolment SMS reached the simulator (${error.message}): is sms-channel hosted, with SMIS_SMS_PROVIDER_SIM_URL?`,
          );
        });
      const code = /\b(\d{6})\b/.exec(sms.text)?.[1];
      expect(code, `no 6-digit code in "${sms.text}"`).toMatch(/^\d{6}$/);
      await page.locator('[data-testid=code] input').fill(code as string);
      await page.locator('[data-testid=verify]').click();

      // Enrolled: the inbox with the live connection up; notifications explained, not blocking.
      await page.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });
      await expect(page.locator('[data-testid=notification-banner]').textContent()).resolves.toBeTruthy();

      const { messageId, statuses } = await sendAndWatch(`tel:${phone}`, content('Testresultaat'));
      try {
        // Arrives through the live connection: nothing here refreshes the inbox.
        const item = page.locator(`[data-testid=inbox-item][data-message-id="${messageId}"]`);
        await item.waitFor({ timeout: 60_000 });
        await expect(item.getAttribute('data-unread')).resolves.toBe('true');
        await expect(item.textContent()).resolves.toContain('Testresultaat (nl)');
        await page.screenshot({ path: join(ARTIFACTS, 'inbox.png'), fullPage: true });

        await item.click();
        await page.locator('[data-testid=message-title]').waitFor();
        await expect(page.locator('[data-testid=message-title]').textContent()).resolves.toBe(
          'Testresultaat (nl)',
        );
        await expect(page.locator('[data-testid=sender-name]').textContent()).resolves.toBe(
          TEST_SENDER.displayName.nl,
        );
        await expect(page.locator('[data-testid=sender-verified]').isVisible()).resolves.toBe(true);
        const qr = page.locator('[data-testid=part-qr] svg[role=img]');
        await expect(qr.getAttribute('aria-label')).resolves.toBe('QR-code: Uw certificaat');
        await expect(qr.locator('path').getAttribute('d')).resolves.toMatch(/^M4 4h1v1h-1z/);
        await page.locator('[data-testid=read-state]', { hasText: 'Gelezen' }).waitFor();
        await page.screenshot({ path: join(ARTIFACTS, 'message.png'), fullPage: true });

        // The read receipt reaches the sender's status topic.
        const seen: string[] = [];
        for await (const status of statuses) {
          if (status.messageId !== messageId) continue;
          seen.push(status.status);
          if (status.status === 'READ') break;
        }
        expect(seen).toContain('READ');
      } finally {
        await statuses.close();
      }
    } finally {
      await context.close();
    }
  });

  it('enrols by OpenID Connect with the local provider and receives a message sent by NISS', async () => {
    const { context, page } = await newCitizen();
    try {
      await page.locator('[data-testid=oidc]').click();
      // The provider's development login form: pick the test citizen, submit.
      await page.waitForURL((url) => url.origin === new URL(backend.oidc.issuer).origin, { timeout: 30_000 });
      await page.locator('select[name=niss]').selectOption(OIDC_CITIZEN.niss);
      await page.locator('button[type=submit]').click();
      // Back in the app (the redirect target), which completes the enrolment.
      await page
        .waitForURL((url) => url.origin === app.url && url.pathname === '/app/', { timeout: 30_000 })
        .catch((error: Error) => {
          throw new Error(
            `The provider did not send the browser back to the app (at ${page.url()}): ${error.message}`,
          );
        });
      await page.locator('[data-testid=live-state][data-state=live]').waitFor({ timeout: 30_000 });

      const { messageId, statuses } = await sendAndWatch(`niss:${OIDC_CITIZEN.niss}`, content('Attest'));
      try {
        const item = page.locator(`[data-testid=inbox-item][data-message-id="${messageId}"]`);
        await item.waitFor({ timeout: 60_000 });
        await expect(item.textContent()).resolves.toContain('Attest (nl)');
        await page.screenshot({ path: join(ARTIFACTS, 'inbox-oidc.png'), fullPage: true });
      } finally {
        await statuses.close();
      }
    } finally {
      await context.close();
    }
  });
});
