import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { ChangeWaiter } from './behaviour';

/**
 * A local SMTP server that keeps every message it accepts (tests and `npm start` read them).
 * Optional AUTH (PLAIN/LOGIN, checked against `username`/`password`), optional TLS (give `key`
 * and `cert`; STARTTLS is offered), and failures on demand: `reject: 'permanent'` answers 550
 * to RCPT TO, `'temporary'` answers 451.
 */
export interface SmtpCaptureOptions {
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  /** PEM key and certificate: STARTTLS offered. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  reject?: 'permanent' | 'temporary';
}

export interface CapturedEmail {
  from: string;
  to: string[];
  /** Decoded Subject header. */
  subject: string;
  /** Decoded text of a single-part text/plain body (what the e-mail channel sends). */
  text: string;
  headers: Record<string, string>;
  raw: string;
  /** The authenticated user, if any. */
  user?: string;
  secure: boolean;
  receivedAt: number;
}

export interface SmtpCaptureServer {
  readonly host: string;
  readonly port: number;
  readonly messages: readonly CapturedEmail[];
  /** RCPT TO commands refused so far. */
  readonly refused: number;
  configure(change: { reject?: 'permanent' | 'temporary' | undefined }): void;
  waitFor(predicate: (mail: CapturedEmail) => boolean, timeoutMs?: number): Promise<CapturedEmail>;
  reset(): void;
  close(): Promise<void>;
}

function decodeQuotedPrintable(value: string): Buffer {
  const soft = value.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i], 'utf8'));
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=` / `=?UTF-8?B?…?=`) in a header value. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')).toString('utf8'),
    );
}

export function parseSimpleEmail(raw: string): {
  headers: Record<string, string>;
  subject: string;
  text: string;
} {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const transfer = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const text =
    transfer === 'quoted-printable'
      ? decodeQuotedPrintable(body).toString('utf8')
      : transfer === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return {
    headers,
    subject: decodeEncodedWords(headers.subject ?? ''),
    text: text.replace(/\r\n/g, '\n').replace(/\n$/, ''),
  };
}

export async function startSmtpCaptureServer(options: SmtpCaptureOptions = {}): Promise<SmtpCaptureServer> {
  const messages: CapturedEmail[] = [];
  const changes = new ChangeWaiter();
  let reject = options.reject;
  let refused = 0;
  const auth = options.username !== undefined;
  const serverOptions: SMTPServerOptions = {
    name: 'smis-smtp-capture',
    banner: 'smis SMTP capture',
    authOptional: !auth,
    disabledCommands: [...(auth ? [] : ['AUTH']), ...(options.tls ? [] : ['STARTTLS'])],
    allowInsecureAuth: !options.tls,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    size: 1024 * 1024,
    onAuth(session, _s, callback) {
      if (session.username === options.username && session.password === options.password)
        return callback(null, { user: session.username });
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      if (reject) {
        refused++;
        changes.notify();
        return callback(
          Object.assign(
            new Error(
              reject === 'permanent' ? 'Mailbox unavailable (simulated)' : 'Try again later (simulated)',
            ),
            { responseCode: reject === 'permanent' ? 550 : 451 },
          ),
        );
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseSimpleEmail(raw);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: parsed.subject,
          text: parsed.text,
          headers: parsed.headers,
          raw,
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: session.secure,
          receivedAt: Date.now(),
        });
        changes.notify();
        callback();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host: options.host ?? '127.0.0.1',
    port,
    messages,
    get refused() {
      return refused;
    },
    configure(change) {
      reject = change.reject;
    },
    waitFor: (predicate, timeoutMs) =>
      changes.until(
        () => messages.find(predicate),
        'a matching e-mail at the SMTP capture server',
        timeoutMs,
      ),
    reset() {
      messages.length = 0;
      refused = 0;
      reject = options.reject;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
