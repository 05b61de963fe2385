import { createTweetnaclEnvelopeCrypto, encodeEnvelope } from '@smis/crypto';
import { encodeContent, type MessageContent } from '@smis/message-content';
import { describe, expect, it } from 'vitest';
import type { MessageEnvelope, SenderDirectoryEntry } from '../api/app-channel';
import { toBase64 } from '../lib/bytes';
import { generateDeviceKeys } from './device-keys';
import { MessageOpenError, openMessage } from './message-opener';

const crypto = createTweetnaclEnvelopeCrypto();
const sender = crypto.generateSenderKeyPair();
const directory: SenderDirectoryEntry[] = [
  {
    senderId: 'tax-office',
    displayName: { nl: 'FOD Financiën', fr: 'SPF Finances', en: 'Tax office' },
    logo: null,
    signingKeys: [{ keyId: sender.keyId, publicKey: toBase64(sender.publicKey), notAfter: null }],
  },
];
const content: MessageContent = {
  v: 1,
  lang: 'nl',
  texts: {
    nl: { title: 'Aanslagbiljet', body: 'Uw aanslagbiljet staat klaar.' },
    fr: { title: 'Avertissement', body: 'Prêt.' },
  },
  parts: [{ kind: 'qr', data: 'https://example.test/pay/123' }],
};

function envelopeFor(
  device: ReturnType<typeof generateDeviceKeys>,
  messageId = '7f1c1e0e-3b5a-4c57-9d55-0a9e5d1c0c11',
) {
  const sealed = crypto.seal(
    { senderId: 'tax-office', messageId, content: encodeContent(content), recipients: [device.encryption] },
    sender,
  );
  const fetched: MessageEnvelope = {
    messageId,
    senderId: 'tax-office',
    priority: 'NORMAL',
    receivedAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    deliveredAt: null,
    readAt: null,
    envelope: toBase64(encodeEnvelope(sealed)),
  };
  return fetched;
}

describe('openMessage', () => {
  it('verifies against the sender directory, decrypts with the device key and decodes the content', () => {
    const device = generateDeviceKeys();
    const opened = openMessage(envelopeFor(device), device, directory);
    expect(opened.sender.displayName.nl).toBe('FOD Financiën');
    expect(opened.senderKeyId).toBe(sender.keyId);
    expect(opened.content.texts.nl?.title).toBe('Aanslagbiljet');
    expect(opened.content.parts?.[0]).toEqual({ kind: 'qr', data: 'https://example.test/pay/123' });
  });

  it('refuses an envelope whose sender key is not in the directory', () => {
    const device = generateDeviceKeys();
    expect(() => openMessage(envelopeFor(device), device, [])).toThrow(
      expect.objectContaining({ reason: 'unknown-sender' }) as unknown as Error,
    );
  });

  it('refuses an envelope signed by another key under the same sender id', () => {
    const device = generateDeviceKeys();
    const impostor = crypto.generateSenderKeyPair();
    const forged = [
      {
        ...directory[0],
        signingKeys: [{ keyId: sender.keyId, publicKey: toBase64(impostor.publicKey), notAfter: null }],
      },
    ];
    expect(() => openMessage(envelopeFor(device), device, forged)).toThrow(MessageOpenError);
  });

  it('refuses an expired directory key', () => {
    const device = generateDeviceKeys();
    const expired = [
      {
        ...directory[0],
        signingKeys: [{ ...directory[0].signingKeys[0], notAfter: '2000-01-01T00:00:00Z' }],
      },
    ];
    expect(() => openMessage(envelopeFor(device), device, expired)).toThrow(MessageOpenError);
  });

  it('refuses an envelope for another device, or filed under another message id', () => {
    const device = generateDeviceKeys();
    expect(() => openMessage(envelopeFor(generateDeviceKeys()), device, directory)).toThrow(MessageOpenError);
    const wrongId = { ...envelopeFor(device), messageId: '00000000-0000-4000-8000-000000000000' };
    expect(() => openMessage(wrongId, device, directory)).toThrow(
      expect.objectContaining({ reason: 'mismatch' }) as unknown as Error,
    );
  });
});
