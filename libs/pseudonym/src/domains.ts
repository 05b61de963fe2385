/** The pseudonymization domains: each sees its own, unlinkable pseudonym of a citizen. */
export const PSEUDONYM_DOMAINS = ['router', 'app', 'sms', 'email'] as const;
export type PseudonymDomain = (typeof PSEUDONYM_DOMAINS)[number];

/** One-byte tag in front of an encrypted pseudonym, so a misrouted one fails loudly. */
export const DOMAIN_TAGS: Readonly<Record<PseudonymDomain, number>> = { router: 1, app: 2, sms: 3, email: 4 };

export function isPseudonymDomain(value: unknown): value is PseudonymDomain {
  return typeof value === 'string' && (PSEUDONYM_DOMAINS as readonly string[]).includes(value);
}

export function domainOfTag(tag: number): PseudonymDomain | undefined {
  return PSEUDONYM_DOMAINS.find((d) => DOMAIN_TAGS[d] === tag);
}
