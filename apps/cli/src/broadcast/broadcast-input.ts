import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { REGION_CODE, type BroadcastAudience, type BroadcastInput } from '@smis/sender-sdk';
import { EXIT } from '../exit-codes';
import { CliError } from '../io';
import { buildContent, parseExpiry, type MessageFlags } from '../sender/message-input';
import type { ProfileFlags } from '../sender/sender-profile';

export type BroadcastSendFlags = Omit<
  MessageFlags,
  'to' | 'sms' | 'emailSubject' | 'emailBody' | 'fallbackWindow' | 'idempotencyKey'
> &
  Omit<ProfileFlags, 'rest'> & {
    everyone?: boolean;
    region?: string[];
    list?: string;
    chunkSize?: string;
    watch?: boolean;
    timeout?: string;
    progress?: boolean;
    json?: boolean;
  };

/** One identifier of a list file and where it was. */
export interface ListEntry {
  readonly line: number;
  readonly identifier: string;
}

/**
 * The identifiers of a list file, one per line (NISS, phone number or polymorphic pseudonym; blank
 * lines and lines starting with # are skipped), streamed: the file is never read whole.
 */
export async function* readListFile(file: string): AsyncGenerator<ListEntry> {
  const input = createReadStream(file, 'utf8');
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new CliError(`Cannot read --list ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      const identifier = raw.trim();
      if (identifier === '' || identifier.startsWith('#')) continue;
      yield { line, identifier };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** Exactly one of --everyone, --region <code>... and --list <file>. */
export function audienceKind(flags: BroadcastSendFlags): 'EVERYONE' | 'REGIONS' | 'LIST' {
  const chosen = [
    flags.everyone ? '--everyone' : undefined,
    flags.region?.length ? '--region' : undefined,
    flags.list ? '--list' : undefined,
  ].filter((c): c is string => c !== undefined);
  if (chosen.length === 0)
    throw new CliError(
      'Choose the audience: --everyone, --region <code>... (alert regions) or --list <file>',
      EXIT.usage,
    );
  if (chosen.length > 1) throw new CliError(`Choose one audience, not ${chosen.join(' and ')}`, EXIT.usage);
  return flags.everyone ? 'EVERYONE' : flags.region?.length ? 'REGIONS' : 'LIST';
}

/** `--region 21004 44021`, `--region 21004 --region 44021`, or `--region 21004,44021`. */
export function regionCodes(values: readonly string[]): string[] {
  const codes = values.flatMap((v) => v.split(',')).map((c) => c.trim());
  for (const code of codes) {
    if (!REGION_CODE.test(code))
      throw new CliError(
        `--region '${code}' is not a region code: the NIS code of a municipality, province or region (1-10 of A-Z and 0-9, e.g. 21004)`,
        EXIT.usage,
      );
  }
  return codes;
}

export function chunkSizeOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new CliError(`--chunk-size must be a whole number from 1 to 10000, not '${value}'`, EXIT.usage);
  return n;
}

/**
 * The SDK's broadcast input from the command line. For --list, `recipients` streams the file's
 * identifiers (the SDK pseudonymizes each, as for send-bulk) and `lastLine()` says which line the
 * SDK took last, so a refused entry can be named by its line.
 */
export function buildBroadcastInput(flags: BroadcastSendFlags): {
  input: BroadcastInput;
  lastLine: () => number;
} {
  const kind = audienceKind(flags);
  const content = buildContent(flags);
  let line = 0;
  let audience: BroadcastAudience;
  if (kind === 'EVERYONE') audience = { kind };
  else if (kind === 'REGIONS') audience = { kind, regions: regionCodes(flags.region ?? []) };
  else {
    const file = flags.list as string;
    audience = {
      kind,
      recipients: (async function* () {
        for await (const entry of readListFile(file)) {
          line = entry.line;
          yield entry.identifier;
        }
      })(),
    };
  }
  return {
    input: {
      audience,
      content,
      category: flags.category,
      priority: flags.priority ?? 'NORMAL',
      expiresAt: parseExpiry(flags.expires),
    },
    lastLine: () => line,
  };
}
