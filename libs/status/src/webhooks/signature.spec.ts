import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhookSignature } from './signature';

const secret = 'whsec_test-secret';
const body = '{"type":"message.status","eventId":"e1"}';
const t = 1_800_000_000;

describe('webhook signatures', () => {
  it('signs HMAC-SHA256 over "<timestamp>.<body>" as t=<unix>,v1=<hex>', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhook(secret, body, t)).toBe(`t=${t},v1=${expected}`);
    expect(signWebhook(secret, Buffer.from(body), t)).toBe(`t=${t},v1=${expected}`);
  });

  it('accepts a request signed with the secret, from Node, fetch or plain headers', () => {
    const signature = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, { 'smis-signature': signature }, body, { now: t })).toEqual({
      valid: true,
      timestamp: t,
    });
    expect(
      verifyWebhookSignature(secret, new Headers({ 'SMIS-Signature': signature }), Buffer.from(body), {
        now: t + 299,
      }).valid,
    ).toBe(true);
    expect(
      verifyWebhookSignature(secret, { 'SMIS-Signature': [signature] }, body, { now: t - 10 }).valid,
    ).toBe(true);
  });

  it('accepts when any of several v1 signatures matches (secret rotation)', () => {
    const current = signWebhook(secret, body, t);
    const old = signWebhook('whsec_old', body, t).split(',')[1];
    expect(
      verifyWebhookSignature(secret, { 'smis-signature': `${current},${old}` }, body, { now: t }).valid,
    ).toBe(true);
    expect(
      verifyWebhookSignature('whsec_old', { 'smis-signature': `${current},${old}` }, body, { now: t }).valid,
    ).toBe(true);
  });

  it('refuses a changed body, another secret, a stale timestamp or a replayed signature with a new timestamp', () => {
    const signature = signWebhook(secret, body, t);
    const headers = { 'smis-signature': signature };
    expect(verifyWebhookSignature(secret, headers, `${body} `, { now: t })).toEqual({
      valid: false,
      reason: 'signature-mismatch',
    });
    expect(verifyWebhookSignature('whsec_other', headers, body, { now: t }).valid).toBe(false);
    expect(verifyWebhookSignature(secret, headers, body, { now: t + 301 })).toEqual({
      valid: false,
      reason: 'timestamp-out-of-tolerance',
    });
    expect(
      verifyWebhookSignature(secret, headers, body, { now: t + 3600, toleranceSeconds: 3600 }).valid,
    ).toBe(true);
    const replayed = signature.replace(`t=${t}`, `t=${t + 60}`);
    expect(verifyWebhookSignature(secret, { 'smis-signature': replayed }, body, { now: t + 60 }).valid).toBe(
      false,
    );
  });

  it('refuses missing and malformed headers', () => {
    expect(verifyWebhookSignature(secret, {}, body)).toEqual({ valid: false, reason: 'missing-signature' });
    for (const header of [
      'garbage',
      `t=${t}`,
      'v1=' + 'a'.repeat(64),
      `t=abc,v1=${'a'.repeat(64)}`,
      `t=${t},v1=xyz`,
    ]) {
      expect(verifyWebhookSignature(secret, { 'smis-signature': header }, body, { now: t })).toEqual({
        valid: false,
        reason: 'malformed-signature',
      });
    }
  });

  it('generates distinct secrets of 32 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
