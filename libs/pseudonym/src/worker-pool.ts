/**
 * A worker_threads pool for batched transcryption and decryption: one worker per core by
 * default, each with its own libpep instance (instantiated from one compiled module). A batch
 * is packed into one buffer, cut into chunks (one per worker, at most `chunkSize` items) that
 * are transferred, not copied, and reassembled in input order.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  kernelKeys,
  parseDomainKeyConfig,
  parseTranscryptorConfig,
  type DomainKeyConfig,
  type TranscryptorConfig,
} from './config';
import type { PseudonymDomain } from './domains';
import {
  decodeEncrypted,
  decodePolymorphic,
  ELGAMAL_BYTES,
  type EncryptedPseudonym,
  type LocalPseudonym,
  type PolymorphicPseudonym,
} from './encoding';
import { PseudonymConfigError } from './errors';
import { createKernel, type KernelKeys, type KernelOp, type KernelResult } from './kernel';
import { libpepLocation, libpepWasmModule } from './libpep';
import { resolveBackend, type BackendChoice, type PseudonymBackendName } from './native/native';
import { packBatch, unpackDecrypted, unpackTranscrypted, type BatchOutcome } from './transcryptor';

export interface PseudonymWorkerPoolOptions {
  /** Needed for transcryptBatch. */
  readonly transcryptor?: TranscryptorConfig;
  /** Needed for decryptBatch, one per domain this process reads. */
  readonly domainKeys?: readonly DomainKeyConfig[];
  /** Worker count; default: available parallelism (cores). */
  readonly size?: number;
  /** Largest chunk sent to one worker; default 256 items. */
  readonly chunkSize?: number;
  /** Kernel backend (default `auto`: native libsodium when it builds, else libpep-wasm). */
  readonly backend?: BackendChoice;
}

export interface PseudonymWorkerPool {
  readonly size: number;
  /** The kernel the workers run: native-libsodium or libpep-wasm. */
  readonly backend: PseudonymBackendName;
  transcryptBatch(
    pseudonyms: readonly PolymorphicPseudonym[],
    domain: PseudonymDomain,
  ): Promise<BatchOutcome<EncryptedPseudonym>[]>;
  decryptBatch(
    pseudonyms: readonly EncryptedPseudonym[],
    domain: PseudonymDomain,
  ): Promise<BatchOutcome<LocalPseudonym>[]>;
  /** Waits for nothing: pending batches are rejected. */
  close(): Promise<void>;
}

interface Job {
  readonly id: number;
  readonly op: KernelOp;
  readonly domain: string;
  readonly input: Uint8Array;
  readonly count: number;
  resolve(result: KernelResult): void;
  reject(error: Error): void;
}

interface WorkerReply {
  readonly id: number;
  readonly out?: Uint8Array;
  readonly ok?: Uint8Array;
  readonly error?: string;
}

function workerSource(): string {
  return `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const pep = require(workerData.modulePath);
pep.initSync({ module: workerData.wasmModule });
const native = workerData.addonPath ? require(workerData.addonPath) : undefined;
const createKernel = (${createKernel.toString()});
const run = createKernel(pep, workerData.keys, native);
parentPort.on('message', (job) => {
  try {
    const r = run(job.op, job.domain, job.input, job.count);
    parentPort.postMessage({ id: job.id, out: r.out, ok: r.ok }, [r.out.buffer, r.ok.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: job.id, error: String((e && e.message) || e) });
  }
});
`;
}

export class PoolClosedError extends Error {
  readonly code = 'POOL_CLOSED' as const;
  constructor() {
    super('the pseudonym worker pool is closed');
    this.name = 'PoolClosedError';
  }
}

export function createPseudonymWorkerPool(options: PseudonymWorkerPoolOptions): PseudonymWorkerPool {
  const transcryptor = options.transcryptor ? parseTranscryptorConfig(options.transcryptor) : undefined;
  const domainKeys = (options.domainKeys ?? []).map((k, i) => parseDomainKeyConfig(k, `domainKeys[${i}]`));
  const keys: KernelKeys = kernelKeys(transcryptor, domainKeys);
  const size = Math.max(1, options.size ?? availableParallelism());
  const chunkSize = Math.max(1, options.chunkSize ?? 256);
  const backend = resolveBackend(options.backend);
  const source = workerSource();
  const workerData = {
    modulePath: libpepLocation().modulePath,
    wasmModule: libpepWasmModule(),
    addonPath: backend.addonPath,
    keys,
  };

  const queue: Job[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  let nextId = 0;
  let closed = false;

  function spawn(): void {
    const worker = new Worker(source, { eval: true, workerData });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const job = busy.get(worker);
      busy.delete(worker);
      worker.unref();
      if (job && job.id === reply.id) {
        if (reply.error !== undefined || !reply.out || !reply.ok)
          job.reject(new Error(`pseudonym worker failed: ${reply.error}`));
        else job.resolve({ out: reply.out, ok: reply.ok });
      }
      idle.push(worker);
      dispatch();
    });
    worker.on('error', (error) => {
      const job = busy.get(worker);
      busy.delete(worker);
      job?.reject(error);
    });
    worker.on('exit', () => {
      const job = busy.get(worker);
      busy.delete(worker);
      job?.reject(new Error('pseudonym worker exited'));
      const at = idle.indexOf(worker);
      if (at >= 0) idle.splice(at, 1);
      if (!closed) {
        spawn();
        dispatch();
      }
    });
    idle.push(worker);
  }

  function dispatch(): void {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop() as Worker;
      const job = queue.shift() as Job;
      busy.set(worker, job);
      worker.ref();
      worker.postMessage({ id: job.id, op: job.op, domain: job.domain, input: job.input, count: job.count }, [
        job.input.buffer as ArrayBuffer,
      ]);
    }
  }

  function submit(op: KernelOp, domain: string, input: Uint8Array, count: number): Promise<KernelResult> {
    return new Promise((resolve, reject) => {
      if (closed) return reject(new PoolClosedError());
      queue.push({ id: nextId++, op, domain, input, count, resolve, reject });
      dispatch();
    });
  }

  /** Runs one packed batch, split into chunks across the workers. */
  async function runBatch(
    op: KernelOp,
    domain: string,
    input: Uint8Array,
    count: number,
  ): Promise<KernelResult> {
    const perWorker = Math.min(chunkSize, Math.max(1, Math.ceil(count / size)));
    const outBytes = op === 'transcrypt' ? ELGAMAL_BYTES : 32;
    const chunks: Promise<KernelResult>[] = [];
    for (let start = 0; start < count; start += perWorker) {
      const n = Math.min(perWorker, count - start);
      // A copy per chunk: its buffer is transferred to the worker.
      chunks.push(submit(op, domain, input.slice(start * ELGAMAL_BYTES, (start + n) * ELGAMAL_BYTES), n));
    }
    const results = await Promise.all(chunks);
    const out = new Uint8Array(count * outBytes);
    const ok = new Uint8Array(count);
    let at = 0;
    for (const r of results) {
      out.set(r.out, at * outBytes);
      ok.set(r.ok, at);
      at += r.ok.length;
    }
    return { out, ok };
  }

  for (let i = 0; i < size; i++) spawn();

  return {
    size,
    backend: backend.name,
    async transcryptBatch(pseudonyms, domain) {
      if (!keys.transcrypt[domain])
        throw new PseudonymConfigError(
          `transcryptor.domains.${domain}`,
          'no factors configured for this domain',
        );
      const batch = packBatch(pseudonyms, decodePolymorphic, 'polymorphic');
      return unpackTranscrypted(
        domain,
        batch,
        await runBatch('transcrypt', domain, batch.input, batch.count),
      );
    },
    async decryptBatch(pseudonyms, domain) {
      if (!keys.decrypt[domain])
        throw new PseudonymConfigError(`domainKeys.${domain}`, 'no secret key configured for this domain');
      const batch = packBatch(pseudonyms, (value) => decodeEncrypted(value, domain), 'encrypted');
      return unpackDecrypted(batch, await runBatch('decrypt', domain, batch.input, batch.count));
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new PoolClosedError());
      const workers = [...idle, ...busy.keys()];
      idle.length = 0;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
