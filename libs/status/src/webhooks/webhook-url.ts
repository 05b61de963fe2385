import { isIP } from 'node:net';

const MAX_URL_LENGTH = 2048;

/**
 * Problems with a webhook URL, or none. `https:` only unless insecure URLs are allowed (local
 * runs, tests); no credentials in the URL; and, in secure mode, no loopback, private or
 * link-local address literals (the cheap half of SSRF protection; names resolving to such
 * addresses are the egress proxy's to block, see docs/adr/0802-webhook-delivery.md).
 */
export function webhookUrlProblem(raw: unknown, allowInsecure: boolean): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0) return 'must be a URL';
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:')) {
    return allowInsecure ? 'must be an http(s) URL' : 'must be an https URL';
  }
  if (url.username || url.password)
    return 'must not carry credentials (the signature authenticates the platform)';
  if (url.hash) return 'must not have a fragment';
  if (!allowInsecure && isInternalHost(url.hostname))
    return 'must not point at a loopback, private or link-local address';
  return undefined;
}

function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const version = isIP(host);
  if (version === 4) {
    const [a, b] = host.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (version === 6) {
    return (
      host === '::' ||
      host === '::1' ||
      /^f[cd]/.test(host) ||
      /^fe[89ab]/.test(host) ||
      host.startsWith('::ffff:')
    );
  }
  return false;
}
