// Test fixtures (not exported from the index): a self-signed TLS certificate made with node:crypto
// alone (no certificate library is a dependency), and a DKIM verifier (RFC 6376, rsa-sha256,
// relaxed/relaxed) that checks a received message against a known public key, as a receiving
// server would after its DNS lookup.
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  let length: Buffer;
  if (body.length < 0x80) length = Buffer.from([body.length]);
  else {
    const hex = body.length.toString(16);
    const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
    length = Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const sequence = (...items: Buffer[]) => der(0x30, ...items);
const set = (...items: Buffer[]) => der(0x31, ...items);
const integer = (value: Buffer) =>
  der(0x02, value[0] & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
const octets = (value: Buffer) => der(0x04, value);
const bits = (value: Buffer) => der(0x03, Buffer.from([0]), value);
const utf8 = (value: string) => der(0x0c, Buffer.from(value, 'utf8'));
const bool = (value: boolean) => der(0x01, Buffer.from([value ? 0xff : 0]));

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const base128 = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) base128.unshift((v & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const two = (n: number) => String(n).padStart(2, '0');
  const text =
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    'Z';
  return der(0x17, Buffer.from(text, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) !== 4) throw new RangeError(`only IPv4 addresses: ${ip}`);
  return Buffer.from(ip.split('.').map(Number));
}

/**
 * A self-signed X.509 v3 certificate (ECDSA P-256, SHA-256) for `hosts` (DNS names and IPv4
 * addresses, in its subjectAltName), valid from an hour ago for a day, and its private key, both
 * PEM.
 */
export function selfSignedCertificate(
  hosts: readonly string[],
  commonName = hosts[0],
): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8(commonName))));
  const now = Date.now();
  const altNames = sequence(
    ...hosts.map((h) => (isIP(h) ? der(0x87, ipBytes(h)) : der(0x82, Buffer.from(h, 'ascii')))),
  );
  const tbs = sequence(
    der(0xa0, integer(Buffer.from([2]))), // v3
    integer(randomBytes(16)),
    ecdsaWithSha256,
    name,
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    der(
      0xa3,
      sequence(
        sequence(oid('2.5.29.19'), bool(true), octets(sequence(bool(true)))), // basicConstraints: CA
        sequence(oid('2.5.29.17'), octets(altNames)), // subjectAltName
      ),
    ),
  );
  const certificate = sequence(tbs, ecdsaWithSha256, bits(sign('sha256', tbs, privateKey)));
  const base64 = certificate.toString('base64').replace(/(.{64})/g, '$1\n');
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: `-----BEGIN CERTIFICATE-----\n${base64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`,
  };
}

export interface DkimCheck {
  domain: string;
  selector: string;
  /** The signed header fields (h=), lower case. */
  signedHeaders: string[];
}

/** RFC 6376 3.4.2: relaxed header canonicalization of one field (name and value). */
function relaxedHeader(field: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon).trim().toLowerCase();
  const value = field
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

/** RFC 6376 3.4.4: relaxed body canonicalization. */
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

/**
 * Verifies the (first) DKIM-Signature of a raw message with `publicKey`; throws naming what does
 * not hold (no signature, unsupported algorithm, body hash, signature).
 */
export function verifyDkim(raw: string, publicKey: KeyObject | string): DkimCheck {
  const message = raw.replace(/\r?\n/g, '\r\n');
  const split = message.indexOf('\r\n\r\n');
  const head = split < 0 ? message : message.slice(0, split + 2);
  const body = split < 0 ? '' : message.slice(split + 4);
  // Header fields with their folding kept (a continuation line starts with WSP).
  const fields = head.split(/\r\n(?![ \t])/).filter((f) => f.length > 0);
  const nameOf = (field: string) => field.slice(0, field.indexOf(':')).trim().toLowerCase();
  const signature = fields.find((f) => nameOf(f) === 'dkim-signature');
  if (!signature) throw new Error('no DKIM-Signature header');
  const tags = new Map(
    signature
      .slice(signature.indexOf(':') + 1)
      .split(';')
      .map((t) => t.replace(/\s+/g, ''))
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)] as const),
  );
  if (tags.get('v') !== '1') throw new Error(`DKIM version ${tags.get('v')}`);
  if (tags.get('a') !== 'rsa-sha256') throw new Error(`DKIM algorithm ${tags.get('a')}`);
  if (tags.get('c') !== 'relaxed/relaxed') throw new Error(`DKIM canonicalization ${tags.get('c')}`);

  const bodyHash = createHash('sha256').update(relaxedBody(body), 'utf8').digest('base64');
  if (bodyHash !== tags.get('bh')) throw new Error('DKIM body hash does not match');

  const signedHeaders = (tags.get('h') ?? '').split(':').map((h) => h.trim().toLowerCase());
  // Each listed name takes the last not yet used instance of that field, bottom up.
  const used = new Set<string>();
  const canonical: string[] = [];
  for (const name of signedHeaders) {
    for (let i = fields.length - 1; i >= 0; i--) {
      if (nameOf(fields[i]) !== name || used.has(String(i)) || fields[i] === signature) continue;
      used.add(String(i));
      canonical.push(`${relaxedHeader(fields[i])}\r\n`);
      break;
    }
  }
  const withoutB = signature.replace(/(;[ \t\r\n]*b=)[^;]*/, '$1');
  const data = canonical.join('') + relaxedHeader(withoutB);
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  if (!verify('sha256', Buffer.from(data, 'utf8'), key, Buffer.from(tags.get('b') ?? '', 'base64')))
    throw new Error('DKIM signature does not verify');
  return { domain: tags.get('d') ?? '', selector: tags.get('s') ?? '', signedHeaders };
}
