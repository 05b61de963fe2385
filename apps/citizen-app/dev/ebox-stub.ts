import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A local stand-in for the e-Box (development and tests only): `GET /ebox/documents/<id>` answers
 * a small HTML document naming the id, so the in-app viewer has something real to show. No
 * authentication: it holds no real documents.
 */
export function eboxStubMiddleware(prefix = '/ebox/documents/') {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || !path.startsWith(prefix)) return next();
    const id = decodeURIComponent(path.slice(prefix.length));
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(id)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'cache-control': 'no-store',
      })
      .end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>e-Box document ${id}</title>` +
          `<style>body{font-family:sans-serif;padding:16px;color:#1a1a1a}</style></head>` +
          `<body><h1>e-Box document</h1><p data-document-id="${id}">Document ${id} (development stand-in)</p></body></html>`,
      );
  };
}
