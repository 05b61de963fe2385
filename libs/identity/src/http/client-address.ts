import type { IncomingHttpHeaders } from 'node:http';

/** The client's address: the socket peer, or the first X-Forwarded-For entry behind a trusted proxy. */
export function clientAddress(
  request: { headers: IncomingHttpHeaders; socket?: { remoteAddress?: string } },
  trustProxy: boolean,
): string {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first.slice(0, 64);
  }
  return request.socket?.remoteAddress ?? 'unknown';
}
