/**
 * The sender registry: who may send, with which keys, under which code of conduct. The
 * platform team owns it (provisioning file); the gateway authenticates with it, the router
 * verifies signatures and applies the policy, the app channel publishes the sender directory
 * (names, logos, keys) that citizens' apps verify envelopes against.
 */
export type Language = 'nl' | 'fr' | 'de' | 'en';
export const LANGUAGES: readonly Language[] = ['nl', 'fr', 'de', 'en'];

export type Category = string;

export interface SenderSigningKey {
  /** 16 hex characters: first 8 bytes of BLAKE2b-256 of the public key (see @smis/crypto). */
  keyId: string;
  /** Ed25519 public key, base64. */
  publicKey: string;
  /** After this instant (ISO 8601) the key signs nothing new; envelopes signed before still verify. */
  notAfter?: string;
}

/** A per-citizen cap: at most `max` messages of a category per `periodHours`. */
export interface CitizenCap {
  category: Category;
  max: number;
  periodHours: number;
}

/** The automated code of conduct for one sender. */
export interface SenderPolicy {
  /** Categories this sender may use. */
  allowedCategories: Category[];
  /** Categories citizens cannot mute (e.g. legal notices); others can be muted. */
  mandatoryCategories: Category[];
  /** Categories that must carry an expiry (time-bound content such as test results or codes). */
  timeBoundCategories: Category[];
  citizenCaps: CitizenCap[];
  /** Sustained messages per second this sender may publish. */
  ratePerSecond: number;
  /** Messages per calendar day (Europe/Brussels). */
  dailyQuota: number;
  /** Quiet hours in Europe/Brussels ("HH:MM"); NORMAL-priority messages are deferred to the end. */
  quietHours?: { start: string; end: string };
  /** Largest sealed envelope accepted, bytes. */
  maxEnvelopeBytes: number;
  /** Identical content (same keyed digest) to the same citizen within this window is suppressed. */
  duplicateWindowMinutes: number;
  /** Upper bound of the fallback window a sender may ask for. */
  maxFallbackWindowSeconds: number;
  /** Default fallback window when the request does not set one. */
  defaultFallbackWindowSeconds: number;
  /** May this sender broadcast, and in which categories. */
  broadcastCategories: Category[];
}

export interface Sender {
  /** Lower-case letters, digits and dashes, 1-64 characters (it names a Kafka topic). */
  senderId: string;
  displayName: Partial<Record<Language, string>> & { en: string };
  /** A logo as a data: URL or an https URL, shown next to verified messages. */
  logo?: string;
  signingKeys: SenderSigningKey[];
  policy: SenderPolicy;
}

export const DEFAULT_POLICY: SenderPolicy = {
  allowedCategories: ['health', 'tax', 'mobility', 'administration', 'alert'],
  mandatoryCategories: ['alert'],
  timeBoundCategories: ['health'],
  citizenCaps: [],
  ratePerSecond: 10_000,
  dailyQuota: 10_000_000,
  maxEnvelopeBytes: 64 * 1024,
  duplicateWindowMinutes: 60,
  maxFallbackWindowSeconds: 24 * 3600,
  defaultFallbackWindowSeconds: 15 * 60,
  broadcastCategories: [],
};
