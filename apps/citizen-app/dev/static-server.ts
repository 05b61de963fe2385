import { createReadStream, existsSync, statSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { eboxStubMiddleware } from './ebox-stub';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface AppServer {
  url: string;
  /** Where `/v1/...` is forwarded (set once the platform listens). */
  setApiTarget(url: string): void;
  close(): Promise<void>;
}

/**
 * Serves the built app under `/app/`, the e-Box stand-in under `/ebox/`, and forwards `/v1/` to
 * the platform: the app and its APIs share one origin, as when the platform serves the app. For
 * the e2e test and local previews; production serves `dist/apps/citizen-app` from the platform
 * or a CDN.
 */
export async function startAppServer(options: {
  distDir: string;
  port?: number;
  apiTarget?: string;
}): Promise<AppServer> {
  const root = resolve(options.distDir);
  let apiTarget = options.apiTarget;
  const ebox = eboxStubMiddleware();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url.startsWith('/v1/')) return proxy(req, res);
    ebox(req, res, () => {
      if (url === '/' || url === '/app') {
        res.writeHead(302, { location: '/app/' }).end();
        return;
      }
      if (!url.startsWith('/app/')) {
        res.writeHead(404).end();
        return;
      }
      const relative = decodeURIComponent(url.slice('/app/'.length).split('?')[0]) || 'index.html';
      const file = normalize(join(root, relative));
      const target =
        file.startsWith(root) && existsSync(file) && statSync(file).isFile()
          ? file
          : join(root, 'index.html');
      res.writeHead(200, {
        'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      createReadStream(target).pipe(res);
    });
  });

  function proxy(req: IncomingMessage, res: ServerResponse): void {
    if (!apiTarget) {
      res.writeHead(503).end('platform not started');
      return;
    }
    const target = new URL(req.url ?? '/', apiTarget);
    const upstream = httpRequest(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
    res.on('close', () => upstream.destroy());
  }

  await new Promise<void>((ok) => server.listen(options.port ?? 0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setApiTarget: (url) => {
      apiTarget = url;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
