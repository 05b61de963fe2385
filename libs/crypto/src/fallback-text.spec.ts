import * as sodium from 'sodium-native';
import { describe, expect, it } from 'vitest';
import {
  BadSignatureError,
  MalformedEnvelopeError,
  TamperedCiphertextError,
  UnknownSenderKeyError,
} from './errors';
import { directoryOf, pairs, sodiumCrypto } from './test-helpers';
import { encodeFallbackText, fallbackTextSignedMessage } from './wire-format';

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe.each(pairs)('fallback text %s', (_name, sealer, opener) => {
  const sender = sealer.generateSenderKeyPair();
  const smsChannel = opener.generateDeviceKeyPair();
  const lookup = directoryOf('health', sender);
  const request = {
    senderId: 'health',
    messageId: 'm-7',
    text: 'Uw resultaat is beschikbaar — open de app ✓',
  };

  it('opens with the channel key and carries sender, key id and message id', () => {
    const sealed = sealer.sealFallbackText(request, smsChannel.publicKey, sender);
    expect(opener.openFallbackText(sealed, smsChannel, lookup)).toEqual({
      ...request,
      senderKeyId: sender.keyId,
    });
  });

  it('does not open for another channel key', () => {
    const sealed = sealer.sealFallbackText(request, smsChannel.publicKey, sender);
    const emailChannel = opener.generateDeviceKeyPair();
    const error = catchError(() => opener.openFallbackText(sealed, emailChannel, lookup));
    expect(error).toBeInstanceOf(TamperedCiphertextError);
    expect(error).toMatchObject({ part: 'fallback-text' });
  });

  it('rejects altered ciphertext, unknown senders and texts not signed by the sender', () => {
    const sealed = sealer.sealFallbackText(request, smsChannel.publicKey, sender);
    sealed[sealed.length - 1] ^= 1;
    expect(catchError(() => opener.openFallbackText(sealed, smsChannel, lookup))).toBeInstanceOf(
      TamperedCiphertextError,
    );
    const fresh = sealer.sealFallbackText(request, smsChannel.publicKey, sender);
    expect(catchError(() => opener.openFallbackText(fresh, smsChannel, () => undefined))).toBeInstanceOf(
      UnknownSenderKeyError,
    );
    // Anyone can seal to the channel key: a text "from" the sender but signed by someone else
    // must not pass (a router cannot inject texts).
    const forger = sealer.generateSenderKeyPair();
    const forged = sealer.sealFallbackText(request, smsChannel.publicKey, { ...forger, keyId: sender.keyId });
    expect(catchError(() => opener.openFallbackText(forged, smsChannel, lookup))).toBeInstanceOf(
      BadSignatureError,
    );
  });
});

describe('fallback text framing', () => {
  const sender = sodiumCrypto.generateSenderKeyPair();
  const channel = sodiumCrypto.generateDeviceKeyPair();
  const seal = (plaintext: Uint8Array) => {
    const out = Buffer.alloc(plaintext.length + sodium.crypto_box_SEALBYTES);
    sodium.crypto_box_seal(out, Buffer.from(plaintext), Buffer.from(channel.publicKey));
    return new Uint8Array(out);
  };

  it('MalformedEnvelopeError for too-short input and for a sealed plaintext that is not a fallback text', () => {
    expect(
      catchError(() => sodiumCrypto.openFallbackText(new Uint8Array(10), channel, () => undefined)),
    ).toBeInstanceOf(MalformedEnvelopeError);
    const error = catchError(() =>
      sodiumCrypto.openFallbackText(seal(new Uint8Array(40)), channel, () => undefined),
    );
    expect(error).toMatchObject({ code: 'MALFORMED_ENVELOPE', reason: 'bad-magic' });
  });

  it('MalformedEnvelopeError for a text with trailing bytes, even when correctly signed', () => {
    const unsigned = { senderId: 'health', senderKeyId: sender.keyId, messageId: 'm', text: 'hi' };
    const signature = Buffer.alloc(64);
    sodium.crypto_sign_detached(
      signature,
      Buffer.from(fallbackTextSignedMessage(unsigned)),
      Buffer.from(sender.secretKey),
    );
    const plaintext = encodeFallbackText({ ...unsigned, signature: new Uint8Array(signature) });
    const padded = new Uint8Array(plaintext.length + 1);
    padded.set(plaintext);
    expect(sodiumCrypto.openFallbackText(seal(plaintext), channel, directoryOf('health', sender)).text).toBe(
      'hi',
    );
    expect(
      catchError(() => sodiumCrypto.openFallbackText(seal(padded), channel, directoryOf('health', sender))),
    ).toMatchObject({ reason: 'trailing-bytes' });
  });
});
