import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chainListDigest, EMPTY_LIST_DIGEST, PSEUDONYM_BYTES } from './list-records';

/**
 * The recipients of a LIST broadcast between the sender's iterable and the topic. The Broadcast
 * must name the list's count and digest before its chunks are published (ADR 1100), and the
 * pseudonyms are fresh randomizations that cannot be made again, so they are written once to a
 * temporary file (64 bytes each, owner-only, removed by `dispose`) while count and digest are
 * computed, then read back chunk by chunk. Memory holds at most two chunks whatever the list's
 * size; a list of one chunk never touches the disk.
 */
export class ListSpool {
  private current: Buffer[] = [];
  /** Chunk 0, kept in memory until a second chunk shows the list needs the file. */
  private held?: Buffer;
  private file?: FileHandle;
  private directory?: string;
  private sealed = false;
  count = 0;
  chunks = 0;
  digest: Buffer = EMPTY_LIST_DIGEST;

  constructor(
    readonly chunkSize: number,
    private readonly spoolDirectory: string = os.tmpdir(),
  ) {}

  /** Whether the list went to a file (more than one chunk). */
  get spooled(): boolean {
    return this.file !== undefined;
  }

  async add(pseudonym: Buffer): Promise<void> {
    if (this.sealed) throw new Error('ListSpool: add after finish');
    if (pseudonym.length !== PSEUDONYM_BYTES)
      throw new RangeError(`a polymorphic pseudonym has ${PSEUDONYM_BYTES} bytes, not ${pseudonym.length}`);
    this.current.push(pseudonym);
    this.count++;
    if (this.current.length === this.chunkSize) await this.seal();
  }

  /** Seals the last partial chunk: count, chunks and digest are final after it. */
  async finish(): Promise<void> {
    if (this.current.length > 0) await this.seal();
    this.sealed = true;
  }

  /** The chunks in order, as they were added (after `finish`). */
  async *read(): AsyncGenerator<Buffer[]> {
    if (!this.sealed) throw new Error('ListSpool: read before finish');
    if (!this.file) {
      if (this.held) yield split(this.held);
      return;
    }
    const bytesPerChunk = this.chunkSize * PSEUDONYM_BYTES;
    const total = this.count * PSEUDONYM_BYTES;
    for (let position = 0; position < total; position += bytesPerChunk) {
      const length = Math.min(bytesPerChunk, total - position);
      const buffer = Buffer.allocUnsafe(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await this.file.read(buffer, read, length - read, position + read);
        if (bytesRead === 0) throw new Error('ListSpool: the spool file is shorter than what was written');
        read += bytesRead;
      }
      yield split(buffer);
    }
  }

  /** Closes and deletes the spool file, if there is one. */
  async dispose(): Promise<void> {
    this.current = [];
    this.held = undefined;
    const file = this.file;
    this.file = undefined;
    await file?.close().catch(() => undefined);
    if (this.directory) await rm(this.directory, { recursive: true, force: true });
    this.directory = undefined;
  }

  private async seal(): Promise<void> {
    const chunk = this.current;
    this.current = [];
    this.digest = chainListDigest(this.digest, chunk);
    this.chunks++;
    const bytes = Buffer.concat(chunk);
    if (this.chunks === 1) {
      this.held = bytes;
      return;
    }
    if (!this.file) {
      this.directory = await mkdtemp(path.join(this.spoolDirectory, 'smis-broadcast-list-'));
      this.file = await open(path.join(this.directory, 'recipients.bin'), 'w+', 0o600);
      await write(this.file, this.held as Buffer);
      this.held = undefined;
    }
    await write(this.file, bytes);
  }
}

async function write(file: FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await file.write(bytes, written, bytes.length - written);
    written += bytesWritten;
  }
}

function split(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += PSEUDONYM_BYTES) out.push(bytes.subarray(i, i + PSEUDONYM_BYTES));
  return out;
}
