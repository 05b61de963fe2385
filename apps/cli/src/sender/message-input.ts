import { readFileSync } from 'node:fs';
import {
  sniffImageMediaType,
  type ContentPart,
  type ImageMediaType,
  type MessageContent,
} from '@smis/message-content';
import type { SendInput } from '@smis/sender-sdk';
import { EXIT } from '../exit-codes';
import { CliError } from '../io';

export interface MessageFlags {
  to?: string;
  title?: string;
  text?: string[];
  lang?: string;
  qr?: string;
  image?: string;
  imageAlt?: string[];
  ebox?: string;
  wallet?: string;
  sms?: string;
  emailSubject?: string;
  emailBody?: string;
  category: string;
  priority?: 'NORMAL' | 'URGENT';
  expires: string;
  fallbackWindow?: string;
  idempotencyKey?: string;
}

type Lang = 'nl' | 'fr' | 'de' | 'en';

/** `nl=Hallo`, `fr=Bonjour`, or plain `Hello` in `fallbackLang`: one value per language. */
function byLanguage(entries: readonly string[], fallbackLang: Lang): Partial<Record<Lang, string>> {
  const out: Partial<Record<Lang, string>> = {};
  for (const entry of entries) {
    const match = /^(nl|fr|de|en)=(.*)$/s.exec(entry);
    out[(match?.[1] ?? fallbackLang) as Lang] = match ? match[2] : entry;
  }
  return out;
}

/** `--text nl=Hallo --text fr=Bonjour`, or plain `--text Hello` in `--lang`. */
function texts(flags: MessageFlags): Partial<Record<Lang, { title: string; body: string }>> {
  const bodies = byLanguage(flags.text ?? [], (flags.lang ?? 'en') as Lang);
  return Object.fromEntries(
    Object.entries(bodies).map(([lang, body]) => [lang, { title: flags.title ?? 'Message', body }]),
  );
}

/** The image's type from its first bytes (what the content format checks), else from its name. */
function imageMediaType(file: string, bytes: Buffer): ImageMediaType {
  const sniffed = sniffImageMediaType(bytes);
  if (sniffed) return sniffed;
  const name = file.toLowerCase();
  if (name.endsWith('.jpg') || name.endsWith('.jpeg')) return 'image/jpeg';
  return name.endsWith('.webp') ? 'image/webp' : 'image/png';
}

/**
 * The image part. The content format requires a text alternative for screen readers: `--image-alt`
 * (once per language, like --text), by default the message title in each language of the text.
 */
function imagePart(flags: MessageFlags, langs: readonly Lang[]): ContentPart {
  const file = flags.image as string;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CliError(`Cannot read --image ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  const given = byLanguage(flags.imageAlt ?? [], (flags.lang ?? 'en') as Lang);
  const alt =
    Object.keys(given).length > 0
      ? given
      : Object.fromEntries(langs.map((lang) => [lang, flags.title ?? 'Message']));
  return { kind: 'image', mediaType: imageMediaType(file, bytes), data: bytes.toString('base64'), alt };
}

/** The content of `smis send` and `smis broadcast send`: texts, then QR, image, eBox and wallet parts. */
export function buildContent(flags: MessageFlags): MessageContent {
  const byLang = texts(flags);
  const langs = Object.keys(byLang) as Lang[];
  if (langs.length === 0)
    throw new CliError(
      'Give the message text with --text (e.g. --text nl=Hallo --text fr=Bonjour)',
      EXIT.usage,
    );
  if (flags.imageAlt?.length && !flags.image) throw new CliError('--image-alt goes with --image', EXIT.usage);
  const parts: ContentPart[] = [];
  if (flags.qr) parts.push({ kind: 'qr', data: flags.qr } as ContentPart);
  if (flags.image) parts.push(imagePart(flags, langs));
  if (flags.ebox)
    parts.push({ kind: 'ebox', documentId: flags.ebox, title: { en: 'Document' } } as unknown as ContentPart);
  if (flags.wallet) parts.push({ kind: 'wallet', offerUri: flags.wallet } as ContentPart);
  return { v: 1, lang: langs[0], texts: byLang, parts } as unknown as MessageContent;
}

/** Durations like 30m, 2h, 7d, or an ISO instant. */
export function parseExpiry(value: string, now = Date.now()): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim());
  if (match)
    return (
      now + Number(match[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[match[2] as 's' | 'm' | 'h' | 'd']
    );
  const at = Date.parse(value);
  if (Number.isNaN(at))
    throw new CliError(
      `--expires '${value}' is neither a duration (30m, 2h, 7d) nor an ISO instant`,
      EXIT.usage,
    );
  return at;
}

export function buildSendInput(flags: MessageFlags, recipient: string): SendInput {
  const content = buildContent(flags);
  const emailText =
    flags.emailSubject || flags.emailBody
      ? { subject: flags.emailSubject ?? '', body: flags.emailBody ?? '' }
      : undefined;
  return {
    recipient,
    content,
    category: flags.category,
    priority: flags.priority ?? 'NORMAL',
    expiresAt: parseExpiry(flags.expires),
    fallbackWindowSeconds: flags.fallbackWindow ? Number(flags.fallbackWindow) : undefined,
    smsText: flags.sms,
    emailText,
    idempotencyKey: flags.idempotencyKey,
  };
}
