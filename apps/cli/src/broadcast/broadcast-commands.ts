import {
  BroadcastNotFoundError,
  BroadcastStateError,
  createSenderClient,
  InvalidBroadcastError,
  isFinalBroadcastState,
  type BroadcastView,
  type SenderClient,
} from '@smis/sender-sdk';
import { EXIT, type ExitCode } from '../exit-codes';
import { CliError, type CliIo } from '../io';
import {
  clientConfig,
  loadSenderProfile,
  type ProfileFlags,
  type SenderProfile,
} from '../sender/sender-profile';
import { buildBroadcastInput, chunkSizeOf, type BroadcastSendFlags } from './broadcast-input';

export type { BroadcastSendFlags } from './broadcast-input';

export type BroadcastWatchFlags = Omit<ProfileFlags, 'rest'> & {
  interval?: string;
  timeout?: string;
  progress?: boolean;
  json?: boolean;
};

export const BROADCAST_HELP = `
A broadcast is one message signed by the sender for an audience (ADR 1100): every citizen with
the app (--everyone), those who chose an alert region in the app (--region), or a list of
citizens (--list: one NISS, phone number or polymorphic pseudonym per line; blank lines and
# comments are skipped; the file is streamed and pseudonymized here, never sent in clear).
It is published on Kafka (smis.broadcasts.v1, lists on smis.broadcasts.lists.v1); progress and
cancellation go through the platform's HTTP API (/v1/broadcast).
'broadcast watch' draws a bar of the devices that got it (delivered of targeted) with the
pushes sent and reads, and ends when the broadcast is DONE (exit 0), CANCELLED (exit 0),
REJECTED or EXPIRED (exit 1), or at --timeout (exit 1).`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkId(broadcastId: string): string {
  if (!UUID.test(broadcastId))
    throw new CliError(
      `'${broadcastId}' is not a broadcast id (the UUID 'broadcast send' printed)`,
      EXIT.usage,
    );
  return broadcastId.toLowerCase();
}

function seconds(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new CliError(`${option} must be a number of seconds above 0`, EXIT.usage);
  return n * 1000;
}

async function withProfileClient<T>(
  profile: SenderProfile,
  work: (client: SenderClient) => Promise<T>,
): Promise<T> {
  const client = createSenderClient(clientConfig(profile));
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

const count = (n: number): string => n.toLocaleString('en-US');

/** One line of progress: a bar of the devices that got it, then every counter. */
export function progressLine(view: BroadcastView, width = 24): string {
  const ratio = view.devicesTargeted > 0 ? Math.min(1, view.delivered / view.devicesTargeted) : 0;
  const filled = Math.round(ratio * width);
  const percent = `${String(Math.floor(ratio * 100)).padStart(3)}%`;
  const list = view.audience === 'LIST' ? `list ${count(view.listRecipients)} · ` : '';
  const topics = view.topicMessages > 0 ? ` + ${count(view.topicMessages)} topic` : '';
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent} ${view.state.padEnd(14)} ` +
    `${list}targeted ${count(view.devicesTargeted)} · pushes ${count(view.pushesSent)}${topics}` +
    `${view.pushesFailed > 0 ? ` (${count(view.pushesFailed)} failed)` : ''} · ` +
    `delivered ${count(view.delivered)} · read ${count(view.read)}`
  );
}

/** The final line: the state, why, and every counter. */
export function summaryLine(view: BroadcastView): string {
  const why = view.reason ? ` (${view.reason})` : '';
  const list = view.audience === 'LIST' ? `list recipients ${count(view.listRecipients)}, ` : '';
  const topics =
    view.topicMessages > 0
      ? ` + ${count(view.topicMessages)} topic message${view.topicMessages === 1 ? '' : 's'}`
      : '';
  return (
    `broadcast ${view.broadcastId} ${view.state}${why}: ${list}targeted ${count(view.devicesTargeted)}, ` +
    `pushes sent ${count(view.pushesSent)}${topics}, failed ${count(view.pushesFailed)}, ` +
    `delivered ${count(view.delivered)}, read ${count(view.read)}`
  );
}

/** A status line on stdout and a progress bar redrawn on stderr, without one garbling the other. */
class ProgressDisplay {
  private drawn = 0;
  constructor(
    private readonly io: CliIo,
    private readonly enabled: boolean,
  ) {}

  draw(line: string): void {
    if (!this.enabled) return;
    this.io.stderr(`\r${line.padEnd(this.drawn)}`);
    this.drawn = line.length;
  }

  /** Clears the bar first; the next `draw` puts it back under the line. */
  print(line: string): void {
    if (this.drawn > 0) this.io.stderr(`\r${' '.repeat(this.drawn)}\r`);
    this.drawn = 0;
    this.io.stdout(`${line}\n`);
  }

  end(): void {
    if (this.drawn > 0) this.io.stderr('\n');
    this.drawn = 0;
  }
}

/** Follows a broadcast until a final state (or the timeout); the exit code says how it ended. */
async function follow(
  client: SenderClient,
  broadcastId: string,
  options: { intervalMs?: number; timeoutMs?: number; progress: boolean; json: boolean },
  io: CliIo,
): Promise<ExitCode> {
  const stop = new AbortController();
  const timer = options.timeoutMs ? setTimeout(() => stop.abort(), options.timeoutMs) : undefined;
  const display = new ProgressDisplay(io, options.progress);
  let last: BroadcastView | undefined;
  try {
    for await (const view of client.watchBroadcast(broadcastId, {
      intervalMs: options.intervalMs,
      signal: stop.signal,
    })) {
      if (options.json) display.print(JSON.stringify(view));
      else if (view.state !== last?.state)
        display.print(
          `${new Date().toISOString()}  ${broadcastId}  ${view.state}${view.reason ? ` (${view.reason})` : ''}`,
        );
      last = view;
      display.draw(progressLine(view));
    }
  } catch (error) {
    if (error instanceof BroadcastNotFoundError)
      throw new CliError(
        `No broadcast ${broadcastId} of this sender: check the id and --profile (a broadcast is known once the platform took it in)`,
        EXIT.failure,
      );
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
    display.end();
  }
  if (!last || !isFinalBroadcastState(last.state))
    throw new CliError(
      `broadcast ${broadcastId} is still ${last?.state ?? 'unknown'} after --timeout ${(options.timeoutMs ?? 0) / 1000} s (follow it again with 'smis broadcast watch ${broadcastId}')`,
      EXIT.failure,
    );
  if (!options.json) io.stdout(`${summaryLine(last)}\n`);
  if (last.state === 'REJECTED' || last.state === 'EXPIRED') {
    io.stderr(`smis: broadcast ${broadcastId} was ${last.state}${last.reason ? ` (${last.reason})` : ''}\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

/** `smis broadcast send`: signs and publishes the broadcast (and streams its list), then optionally follows it. */
export async function runBroadcastSend(
  flags: BroadcastSendFlags,
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<ExitCode> {
  const { input, lastLine } = buildBroadcastInput(flags);
  const chunkSize = chunkSizeOf(flags.chunkSize);
  const timeoutMs = seconds(flags.timeout, '--timeout');
  const profile = loadSenderProfile(flags, env);
  if (!profile.brokers?.length)
    throw new CliError(
      'Broadcasts are published on Kafka and the sender profile names no brokers: pass --brokers <host:port,...>',
      EXIT.usage,
    );
  const progress = flags.progress !== false && !flags.json;
  return withProfileClient(profile, async (client) => {
    let listLine = false;
    let result;
    try {
      result = await client.broadcast(input, {
        chunkSize,
        onListProgress: (p) => {
          if (!progress) return;
          listLine = true;
          io.stderr(
            p.stage === 'pseudonymized'
              ? `\rlist: ${count(p.recipients)} recipients pseudonymized`
              : `\rlist: ${count(p.recipients)} recipients published in ${count(p.chunks)} chunks    `,
          );
        },
      });
    } catch (error) {
      if (error instanceof InvalidBroadcastError && error.index !== undefined && flags.list) {
        const why = error.cause instanceof Error ? error.cause.message : error.message;
        throw new CliError(`${flags.list}:${lastLine()}: ${why}`, EXIT.usage);
      }
      throw error;
    } finally {
      if (listLine) io.stderr('\n');
    }
    const kind = input.audience.kind;
    if (flags.json) io.stdout(`${JSON.stringify({ ...result, audience: kind })}\n`);
    else {
      const regions = input.audience.kind === 'REGIONS' ? ` ${input.audience.regions.join(', ')}` : '';
      io.stdout(
        `broadcast ${result.broadcastId} published (${kind}${regions}, ${input.priority}, category ${input.category})\n`,
      );
      if (result.list)
        io.stdout(
          `  list: ${count(result.list.recipientCount)} recipients in ${count(result.list.chunks)} chunks\n`,
        );
    }
    if (!flags.watch) return EXIT.ok;
    return follow(client, result.broadcastId, { timeoutMs, progress, json: flags.json ?? false }, io);
  });
}

/** Progress and cancellation need no Kafka: the client talks to the platform's HTTP API only. */
function httpProfile(flags: Omit<ProfileFlags, 'rest'>, env: NodeJS.ProcessEnv): SenderProfile {
  return { ...loadSenderProfile(flags, env), brokers: undefined };
}

/** `smis broadcast watch <id>`. */
export async function runBroadcastWatch(
  broadcastId: string,
  flags: BroadcastWatchFlags,
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<ExitCode> {
  const id = checkId(broadcastId);
  const intervalMs = seconds(flags.interval, '--interval');
  const timeoutMs = seconds(flags.timeout, '--timeout');
  const profile = httpProfile(flags, env);
  return withProfileClient(profile, (client) =>
    follow(
      client,
      id,
      { intervalMs, timeoutMs, progress: flags.progress !== false && !flags.json, json: flags.json ?? false },
      io,
    ),
  );
}

/** `smis broadcast cancel <id>`. */
export async function runBroadcastCancel(
  broadcastId: string,
  flags: BroadcastWatchFlags,
  env: NodeJS.ProcessEnv,
  io: CliIo,
): Promise<ExitCode> {
  const id = checkId(broadcastId);
  const profile = httpProfile(flags, env);
  return withProfileClient(profile, async (client) => {
    try {
      await client.cancelBroadcast(id);
    } catch (error) {
      if (error instanceof BroadcastNotFoundError)
        throw new CliError(
          `No broadcast ${id} of sender ${profile.senderId}: check the id and --profile`,
          EXIT.failure,
        );
      if (error instanceof BroadcastStateError)
        throw new CliError(
          `${error.problem?.detail ?? `Broadcast ${id} cannot be cancelled`}: it has finished`,
          EXIT.failure,
        );
      throw error;
    }
    const view = await client.broadcastStatus(id);
    io.stdout(flags.json ? `${JSON.stringify(view)}\n` : `${summaryLine(view)}\n`);
    return EXIT.ok;
  });
}
