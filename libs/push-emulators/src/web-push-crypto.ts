import { createDecipheriv, createECDH, createHmac, randomBytes } from 'node:crypto';

/** What a browser gives an application server: the push endpoint and its keys (base64url). */
export interface PushSubscriptionJson {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** The user agent's side of a subscription: what decrypts the pushes (held by the test). */
export interface SubscriptionSecrets {
  /** P-256 private key, 32 bytes, base64url. */
  privateKey: string;
  /** P-256 public key, 65 bytes uncompressed, base64url (the subscription's p256dh). */
  publicKey: string;
  /** 16-byte authentication secret, base64url. */
  auth: string;
}

export function generateSubscriptionSecrets(): SubscriptionSecrets {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    privateKey: ecdh.getPrivateKey().toString('base64url'),
    publicKey: ecdh.getPublicKey().toString('base64url'),
    auth: randomBytes(16).toString('base64url'),
  };
}

function hmac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export class WebPushDecryptError extends Error {
  override readonly name = 'WebPushDecryptError';
}

/**
 * Decrypts a Web Push message body (RFC 8291 key derivation, RFC 8188 `aes128gcm` content coding,
 * one or more records) with the user agent's private key and auth secret.
 */
export function decryptWebPushPayload(body: Buffer, secrets: SubscriptionSecrets): Buffer {
  if (body.length < 21) throw new WebPushDecryptError('body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  if (rs < 18) throw new WebPushDecryptError(`record size ${rs} is too small`);
  const keyid = body.subarray(21, 21 + idlen);
  if (keyid.length !== 65) throw new WebPushDecryptError('keyid must be the 65-byte application server key');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(secrets.privateKey, 'base64url'));
  const uaPublic = Buffer.from(secrets.publicKey, 'base64url');
  const ecdhSecret = ecdh.computeSecret(keyid);
  const prkKey = hmac(Buffer.from(secrets.auth, 'base64url'), ecdhSecret);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0', 'latin1'),
    uaPublic,
    keyid,
    Buffer.from([1]),
  ]);
  const ikm = hmac(prkKey, keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01', 'latin1')).subarray(0, 16);
  const baseNonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01', 'latin1')).subarray(0, 12);
  const records = body.subarray(21 + idlen);
  const out: Buffer[] = [];
  let seq = 0;
  for (let offset = 0; offset < records.length; offset += rs, seq++) {
    const record = records.subarray(offset, Math.min(offset + rs, records.length));
    if (record.length < 17) throw new WebPushDecryptError('truncated record');
    const nonce = Buffer.from(baseNonce);
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    } catch {
      throw new WebPushDecryptError('authentication tag mismatch: wrong keys or tampered payload');
    }
    const last = offset + rs >= records.length;
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    const delimiter = plain[end];
    if (delimiter !== (last ? 2 : 1)) throw new WebPushDecryptError('bad padding delimiter');
    out.push(plain.subarray(0, end));
  }
  return Buffer.concat(out);
}
