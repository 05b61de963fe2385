import { createPrivateKey } from 'node:crypto';
import { CLIENT_ASSERTION_TYPE, createClientAssertion } from '@smis/sender-sdk';
import { EXIT, type ExitCode } from '../exit-codes';
import { CliError, type CliIo } from '../io';
import { loadSenderProfile, type ProfileFlags, type SenderProfile } from './sender-profile';

export type ReportFlags = ProfileFlags & {
  from?: string;
  to?: string;
  json?: boolean;
  platform?: string;
  operatorToken?: string;
};

async function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (error) {
    throw new CliError(
      `Cannot reach ${url}: ${(error as Error).message} (is the platform running?)`,
      EXIT.failure,
    );
  }
  const body = await response.text();
  if (!response.ok)
    throw new CliError(`${url} answered ${response.status}: ${body.slice(0, 500)}`, EXIT.failure);
  return JSON.parse(body) as unknown;
}

function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(nothing yet)\n';
  const columns = Object.keys(rows[0]);
  const cell = (v: unknown): string =>
    typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '');
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return (
    [
      line(columns),
      line(widths.map((w) => '-'.repeat(w))),
      ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
    ].join('\n') + '\n'
  );
}

/** SMS segments and cost per sender and provider, and the SMS the app made unnecessary. */
export async function runCostReport(
  flags: ReportFlags,
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<ExitCode> {
  const base = flags.platform ?? `http://127.0.0.1:${env.PORT ?? '8080'}`;
  const query = new URLSearchParams();
  if (flags.from) query.set('from', flags.from);
  if (flags.to) query.set('to', flags.to);
  const report = (await getJson(
    `${base}/v1/sms/reports/cost?${query}`,
    flags.operatorToken ? { authorization: `Bearer ${flags.operatorToken}` } : {},
  )) as {
    senders: Record<string, unknown>[];
    totals: Record<string, unknown>;
  };
  if (flags.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else {
    io.stdout(table(report.senders));
    io.stdout(
      `\ntotal: ${Object.entries(report.totals)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')}\n`,
    );
  }
  return EXIT.ok;
}

async function accessToken(profile: SenderProfile): Promise<string> {
  const tokenUrl = `${profile.gatewayUrl}/v1/gateway/oauth/token`;
  const secret = Buffer.from(profile.secretKey, 'base64');
  const publicKey = Buffer.from(profile.publicKey, 'base64');
  const privateKey = createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: secret.subarray(0, 32).toString('base64url'),
      x: publicKey.toString('base64url'),
    },
  });
  const assertion = createClientAssertion({
    senderId: profile.senderId,
    keyId: profile.keyId,
    privateKey,
    audience: tokenUrl,
    now: Date.now(),
  });
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    }),
  }).catch((error: Error) => {
    throw new CliError(`Cannot reach ${tokenUrl}: ${error.message} (is the platform running?)`, EXIT.failure);
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    throw new CliError(
      `The gateway refused the sender's token (${response.status}): ${body.error_description ?? ''}`,
      EXIT.failure,
    );
  }
  return body.access_token;
}

/** The sender's scorecard: volume, rejections by reason, delivery, read and mute rates. */
export async function runScorecard(
  flags: ReportFlags & { since?: string },
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<ExitCode> {
  const profile = loadSenderProfile(flags, env);
  const token = await accessToken(profile);
  const since = flags.since ? `?since=${encodeURIComponent(flags.since)}` : '';
  const card = (await getJson(`${profile.gatewayUrl}/v1/gateway/scorecard${since}`, {
    authorization: `Bearer ${token}`,
  })) as Record<string, unknown>;
  if (flags.json) io.stdout(`${JSON.stringify(card, null, 2)}\n`);
  else {
    for (const [key, value] of Object.entries(card)) {
      io.stdout(`${key.padEnd(22)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`);
    }
  }
  return EXIT.ok;
}
