import { messageRequestSigningInput, type MessageRequest } from '@smis/contracts';
import { decodeEnvelope } from '@smis/crypto';
import type { Sender, SenderRegistry } from '@smis/senders';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { REASONS, type Reason } from '../../domain/reasons';

export type Verification = { ok: true; sender: Sender } | { ok: false; reason: Reason };

const keyObjects = new Map<string, KeyObject>();

function ed25519Key(raw: Uint8Array): KeyObject {
  const x = Buffer.from(raw).toString('base64url');
  let key = keyObjects.get(x);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    keyObjects.set(x, key);
  }
  return key;
}

/**
 * Who sent the request, proven: a known sender, one of its keys valid when the request was made,
 * a good Ed25519 signature over the signing input, and an envelope that is one (sanity only: the
 * router never opens it) of this sender for this message.
 */
export function verifyRequest(request: MessageRequest, registry: SenderRegistry): Verification {
  const sender = registry.get(request.senderId);
  if (!sender) return { ok: false, reason: REASONS.unknownSender };
  const signingKey = sender.signingKeys.find((k) => k.keyId === request.senderKeyId);
  const raw = registry.signingKey(request.senderId, request.senderKeyId);
  if (!signingKey || !raw) return { ok: false, reason: REASONS.unknownKey };
  if (signingKey.notAfter && request.createdAt > Date.parse(signingKey.notAfter))
    return { ok: false, reason: REASONS.keyExpired };
  let good = false;
  try {
    good =
      request.signature.length === 64 &&
      verify(null, messageRequestSigningInput(request), ed25519Key(raw), request.signature);
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: REASONS.badSignature };
  // No envelope at all is legitimate: nothing was sealed because the citizen had no device.
  if (request.envelope.length === 0) return { ok: true, sender };
  try {
    const envelope = decodeEnvelope(request.envelope);
    if (envelope.senderId !== request.senderId || envelope.messageId !== request.messageId)
      return { ok: false, reason: REASONS.malformedEnvelope };
  } catch {
    return { ok: false, reason: REASONS.malformedEnvelope };
  }
  return { ok: true, sender };
}
