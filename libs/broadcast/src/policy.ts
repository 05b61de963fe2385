import { createPublicKey, verify } from 'node:crypto';

const ZONE = 'Europe/Brussels';
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Ed25519 over `message` with a raw 32-byte public key. */
export function verifyEd25519(message: Buffer, signature: Buffer, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const key = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKey)]),
    format: 'der',
    type: 'spki',
  });
  return verify(null, message, key, signature);
}

function minutesOfDay(at: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

function parse(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/**
 * When a non-urgent broadcast may start: `now` outside the sender's quiet hours (Europe/Brussels,
 * `start`–`end`, possibly across midnight), else the end of the quiet hours (to the minute).
 */
export function quietHoursEnd(now: number, quietHours: { start: string; end: string } | undefined): number {
  if (!quietHours) return now;
  const start = parse(quietHours.start);
  const end = parse(quietHours.end);
  const current = minutesOfDay(now);
  const inside = start <= end ? current >= start && current < end : current >= start || current < end;
  if (!inside) return now;
  const wait = (end - current + 24 * 60) % (24 * 60);
  const startOfMinute = now - (now % 60_000);
  return startOfMinute + wait * 60_000;
}
