import { readFileSync } from 'node:fs';
import type { ContentPart, MessageContent } from '@smis/message-content';
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

/** `--text nl=Hallo --text fr=Bonjour`, or plain `--text Hello` in `--lang`. */
function texts(flags: MessageFlags): Partial<Record<Lang, { title: string; body: string }>> {
  const out: Partial<Record<Lang, { title: string; body: string }>> = {};
  const fallbackLang = (flags.lang ?? 'en') as Lang;
  for (const entry of flags.text ?? []) {
    const match = /^(nl|fr|de|en)=(.*)$/s.exec(entry);
    const lang = (match?.[1] ?? fallbackLang) as Lang;
    const body = match ? match[2] : entry;
    out[lang] = { title: flags.title ?? 'Message', body };
  }
  return out;
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
  const byLang = texts(flags);
  const langs = Object.keys(byLang) as Lang[];
  if (langs.length === 0)
    throw new CliError(
      'Give the message text with --text (e.g. --text nl=Hallo --text fr=Bonjour)',
      EXIT.usage,
    );
  const parts: ContentPart[] = [];
  if (flags.qr) parts.push({ kind: 'qr', data: flags.qr } as ContentPart);
  if (flags.image) {
    const data = readFileSync(flags.image).toString('base64');
    const mediaType =
      flags.image.endsWith('.jpg') || flags.image.endsWith('.jpeg') ? 'image/jpeg' : 'image/png';
    parts.push({ kind: 'image', mediaType, data } as ContentPart);
  }
  if (flags.ebox)
    parts.push({ kind: 'ebox', documentId: flags.ebox, title: { en: 'Document' } } as unknown as ContentPart);
  if (flags.wallet) parts.push({ kind: 'wallet', offerUri: flags.wallet } as ContentPart);
  const content = { v: 1, lang: langs[0], texts: byLang, parts } as unknown as MessageContent;
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
