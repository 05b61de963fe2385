import { createSenderClient, isFinalStatus, type MessageStatus, type SenderClient } from '@smis/sender-sdk';
import { EXIT, type ExitCode } from '../exit-codes';
import { CliError, type CliIo } from '../io';
import { readCsv } from './csv';
import { buildSendInput, type MessageFlags } from './message-input';
import { clientConfig, loadSenderProfile, type ProfileFlags } from './sender-profile';

export type SendFlags = MessageFlags & ProfileFlags & { watch?: boolean; timeout?: string; json?: boolean };

function describeStatus(s: MessageStatus): string {
  const via = s.channel ? ` via ${s.channel}` : '';
  const why = s.reason ? ` (${s.reason})` : '';
  const fallback = s.fromChannel && s.toChannel ? ` ${s.fromChannel}→${s.toChannel}` : '';
  return `${new Date(s.occurredAt).toISOString()}  ${s.messageId}  ${s.status}${via}${fallback}${why}`;
}

async function withClient<T>(
  flags: ProfileFlags,
  env: NodeJS.ProcessEnv,
  work: (client: SenderClient) => Promise<T>,
): Promise<T> {
  const client = createSenderClient(clientConfig(loadSenderProfile(flags, env)));
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** Follows statuses of `messageIds` until each is final, or the timeout. */
async function follow(
  client: SenderClient,
  messageIds: string[],
  timeoutMs: number,
  io: CliIo,
): Promise<Map<string, string>> {
  const last = new Map<string, string>();
  const open = new Set(messageIds);
  const stream = client.watch({ messageIds, fromBeginning: true });
  const timer = setTimeout(() => void stream.close(), timeoutMs);
  try {
    for await (const status of stream) {
      io.stdout(`${describeStatus(status)}\n`);
      last.set(status.messageId, status.status);
      if (isFinalStatus(status)) open.delete(status.messageId);
      if (open.size === 0) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close();
  }
  return last;
}

export async function runSend(flags: SendFlags, env: NodeJS.ProcessEnv, io: CliIo): Promise<ExitCode> {
  if (!flags.to)
    throw new CliError('Give the recipient with --to (niss:<11 digits> or tel:<E.164>)', EXIT.usage);
  const input = buildSendInput(flags, flags.to);
  return withClient(flags, env, async (client) => {
    const result = await client.send(input);
    const r = result.reachability;
    if (flags.json) io.stdout(`${JSON.stringify(result)}\n`);
    else {
      io.stdout(`sent ${result.messageId}\n`);
      io.stdout(
        `  app installed: ${r.appInstalled ? 'yes' : 'no'}, notifications: ${r.notificationsEnabled ? 'on' : 'off'}, devices: ${r.devices.length}\n`,
      );
    }
    if (flags.watch) await follow(client, [result.messageId], Number(flags.timeout ?? '60') * 1000, io);
    return EXIT.ok;
  });
}

export type BulkFlags = Omit<MessageFlags, 'to' | 'text'> &
  ProfileFlags & { concurrency?: string; progress?: boolean };

/**
 * Sends one message per CSV row. Columns: `recipient` (required), `text` or `text_nl`,
 * `text_fr`, `text_de`, `text_en`, and optionally `title`, `sms`, `qr`, `category`.
 */
export async function runBulk(
  file: string,
  flags: BulkFlags,
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<ExitCode> {
  let total = 0;
  for await (const _row of readCsv(file)) total++;
  const inputs = (async function* () {
    for await (const { line, row } of readCsv(file)) {
      if (!row.recipient) throw new CliError(`${file}:${line}: the recipient column is empty`, EXIT.usage);
      const text = ['nl', 'fr', 'de', 'en']
        .filter((l) => row[`text_${l}`])
        .map((l) => `${l}=${row[`text_${l}`]}`);
      if (row.text) text.push(row.text);
      yield buildSendInput(
        {
          ...flags,
          text,
          title: row.title || flags.title,
          sms: row.sms || flags.sms,
          qr: row.qr || flags.qr,
          category: row.category || flags.category,
        },
        row.recipient,
      );
    }
  })();
  const failures: string[] = [];
  const summary = await withClient(flags, env, (client) =>
    client.sendBulk(inputs, {
      concurrency: Number(flags.concurrency ?? '16'),
      total,
      onProgress: (p) => {
        if (flags.progress === false) return;
        const done = p.sent + p.failed;
        const width = 30;
        const filled = total ? Math.round((done / total) * width) : 0;
        io.stderr(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} sent ${p.sent} failed ${p.failed}`,
        );
      },
      onResult: (r) => {
        if (!r.ok) failures.push(`row ${r.index + 1}: ${(r.error as Error).message}`);
      },
    }),
  );
  if (flags.progress !== false) io.stderr('\n');
  io.stdout(`${summary.sent} sent, ${summary.failed} failed of ${total}\n`);
  for (const f of failures.slice(0, 20)) io.stderr(`  ${f}\n`);
  if (failures.length > 20) io.stderr(`  ... and ${failures.length - 20} more\n`);
  return summary.failed > 0 ? EXIT.failure : EXIT.ok;
}

export type WatchFlags = ProfileFlags & { message?: string[]; timeout?: string; fromBeginning?: boolean };

/** Prints the sender's statuses as they arrive (all, or the given messages until final). */
export async function runWatch(flags: WatchFlags, env: NodeJS.ProcessEnv, io: CliIo): Promise<ExitCode> {
  return withClient(flags, env, async (client) => {
    if (flags.message?.length) {
      await follow(client, flags.message, Number(flags.timeout ?? '60') * 1000, io);
      return EXIT.ok;
    }
    const stream = client.statuses({ fromBeginning: flags.fromBeginning ?? false });
    const timer = flags.timeout
      ? setTimeout(() => void stream.close(), Number(flags.timeout) * 1000)
      : undefined;
    for await (const status of stream) io.stdout(`${describeStatus(status)}\n`);
    if (timer) clearTimeout(timer);
    return EXIT.ok;
  });
}
