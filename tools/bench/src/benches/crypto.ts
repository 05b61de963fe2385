/**
 * `crypto` bench: the envelope (1 KB content, 3 devices, signed) on both implementations, and
 * PEP transcryption unbatched, batched in-thread and batched on the worker pool.
 */
import {
  createSodiumEnvelopeCrypto,
  createTweetnaclEnvelopeCrypto,
  encodeEnvelope,
  type EnvelopeCrypto,
} from '@smis/crypto';
import {
  createDomainDecryptor,
  createPseudonymizer,
  createPseudonymWorkerPool,
  createTranscryptor,
  generatePseudonymKeys,
  pseudonymBackend,
  type DomainKeyConfig,
  type EncryptedPseudonym,
  type PolymorphicPseudonym,
} from '@smis/pseudonym';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  measureAsync,
  measureSync,
  type Bench,
  type BenchContext,
  type BenchReport,
  type Measurement,
  type TargetCheck,
} from '../harness';

const CONTENT_BYTES = 1024;
const DEVICES = 3;
const POOL_BATCH = 1024;
const THREAD_BATCH = 256;

const NAMES = {
  seal: (impl: string) => `envelope seal+sign (${impl})`,
  open: (impl: string) => `envelope open (${impl})`,
  create: (b: Backend) => `polymorphic pseudonym from identifier (${b})`,
  unbatched: (b: Backend) => `transcrypt, unbatched (${b})`,
  batched: (b: Backend) => `transcrypt, batches of ${THREAD_BATCH} (${b})`,
  pooled: (b: Backend) => `transcrypt, batches of ${POOL_BATCH}, pool (${b})`,
  decrypt: (b: Backend) => `decrypt to local pseudonym, batches of ${THREAD_BATCH} (${b})`,
};

/** The kernels compared side by side: the reference wasm one and the native libsodium one. */
type Backend = 'wasm' | 'native';
const isPooled = (name: string) => name.includes(', pool (');

function envelopeMeasurements(crypto: EnvelopeCrypto, context: BenchContext): Measurement[] {
  const impl = crypto.implementation;
  const sender = crypto.generateSenderKeyPair();
  const devices = Array.from({ length: DEVICES }, () => crypto.generateDeviceKeyPair());
  const content = new Uint8Array(randomBytes(CONTENT_BYTES));
  const lookupSenderKey = () => sender.publicKey;
  const request = { senderId: 'bench-sender', messageId: 'bench-message', content, recipients: devices };
  const out: Measurement[] = [];
  if (context.include(NAMES.seal(impl))) {
    context.log(NAMES.seal(impl));
    out.push(
      measureSync(
        NAMES.seal(impl),
        context.method,
        () => {
          encodeEnvelope(crypto.seal(request, sender));
          return 1;
        },
        '1 KB, 3 devices, 1 thread',
      ),
    );
  }
  if (context.include(NAMES.open(impl))) {
    const bytes = encodeEnvelope(crypto.seal(request, sender));
    context.log(NAMES.open(impl));
    out.push(
      measureSync(
        NAMES.open(impl),
        context.method,
        () => {
          crypto.open(bytes, devices[1], { lookupSenderKey });
          return 1;
        },
        'decode, verify, unwrap, decrypt',
      ),
    );
  }
  return out;
}

async function pseudonymMeasurements(context: BenchContext, workers: number): Promise<Measurement[]> {
  const keys = generatePseudonymKeys();
  const pseudonymizer = createPseudonymizer(keys.public);
  const routerKey = keys.domainKeys.find((k) => k.domain === 'router') as DomainKeyConfig;
  const pseudonyms: PolymorphicPseudonym[] = Array.from({ length: POOL_BATCH }, (_, i) =>
    pseudonymizer.polymorphicPseudonym(`tel:+32470${String(100000 + i)}`),
  );
  const threadBatch = pseudonyms.slice(0, THREAD_BATCH);
  const out: Measurement[] = [];
  const sync = (name: string, note: string, op: () => number) => {
    if (!context.include(name)) return;
    context.log(name);
    out.push(measureSync(name, context.method, op, note));
  };

  const backends: Backend[] = ['wasm'];
  const native = pseudonymBackend();
  if (native.name === 'native-libsodium') backends.push('native');
  else context.log(`native backend unavailable (${native.reason}); measuring libpep-wasm only`);
  for (const backend of backends) {
    const creator = createPseudonymizer(keys.public, { backend });
    sync(NAMES.create(backend), 'sender side, parse + hash + encrypt', () => {
      creator.polymorphicPseudonym('niss:93051822361');
      return 1;
    });
    const transcryptor = createTranscryptor(keys.transcryptor, { backend });
    const decryptor = createDomainDecryptor(routerKey, { backend });
    let next = 0;
    sync(NAMES.unbatched(backend), '1 thread', () => {
      transcryptor.transcrypt(pseudonyms[next++ % POOL_BATCH], 'router');
      return 1;
    });
    sync(
      NAMES.batched(backend),
      '1 thread',
      () => transcryptor.transcryptBatch(threadBatch, 'router').length,
    );
    if (context.include(NAMES.pooled(backend))) {
      const pool = createPseudonymWorkerPool({ transcryptor: keys.transcryptor, size: workers, backend });
      try {
        context.log(`${NAMES.pooled(backend)} (${workers} workers)`);
        out.push(
          await measureAsync(
            NAMES.pooled(backend),
            context.method,
            async () => (await pool.transcryptBatch(pseudonyms, 'router')).length,
            2,
            `${workers} workers (all cores), 2 batches in flight`,
          ),
        );
      } finally {
        await pool.close();
      }
    }
    const encrypted: EncryptedPseudonym[] = transcryptor.transcryptBatch(threadBatch, 'router').map((o) => {
      if (!o.ok) throw o.error;
      return o.value;
    });
    sync(NAMES.decrypt(backend), '1 thread, domain side', () => decryptor.decryptBatch(encrypted).length);
  }
  return out;
}

function targets(measurements: readonly Measurement[], workers: number): TargetCheck[] {
  const find = (name: string) => measurements.find((m) => m.name === name);
  const format = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
  const checks: TargetCheck[] = [];
  const sodium = find(NAMES.seal('sodium-native'));
  const nacl = find(NAMES.seal('tweetnacl'));
  // The platform runs the process default backend: native when it builds.
  const pooled = find(NAMES.pooled('native')) ?? find(NAMES.pooled('wasm'));
  const pooledWasm = find(NAMES.pooled('wasm'));
  if (sodium)
    checks.push({
      target: 'server seal+sign >= 4,000/s per core',
      measured: format(sodium.median),
      met: sodium.median >= 4000,
    });
  if (sodium && nacl) {
    const ratio = sodium.median / nacl.median;
    checks.push({
      target: 'server seal+sign >= 25x tweetnacl',
      measured: `${ratio.toFixed(1)}x`,
      met: ratio >= 25,
    });
  }
  if (pooled)
    checks.push({
      target: `transcryption >= 10,000/s on all cores (${workers})`,
      measured: format(pooled.median),
      met: pooled.median >= 10_000,
    });
  if (pooled && pooledWasm && pooled !== pooledWasm)
    checks.push({
      target: 'native kernel vs libpep-wasm, same pool (info)',
      measured: `${(pooled.median / pooledWasm.median).toFixed(2)}x`,
      met: pooled.median > pooledWasm.median,
    });
  return checks;
}

async function run(context: BenchContext): Promise<BenchReport> {
  const workers = availableParallelism();
  const measurements = [
    ...envelopeMeasurements(createSodiumEnvelopeCrypto(), context),
    ...envelopeMeasurements(createTweetnaclEnvelopeCrypto(), context),
    ...(await pseudonymMeasurements(context, workers)),
  ];
  // Other processes on the machine show up as fewer cores used than the measurement asked for.
  const starved = measurements
    .filter((m) => m.coresUsed < 0.9 * (isPooled(m.name) ? workers : 1))
    .map((m) => m.name);
  return {
    measurements,
    targets: targets(measurements, workers),
    notes: [
      ...(starved.length > 0
        ? [
            `CONTENDED: other processes took CPU during: ${starved.join('; ')}. Those figures are lower bounds; rerun on a quiet machine.`,
          ]
        : []),
      'ops/s = envelopes or pseudonyms per second; every figure but the pool runs on one thread.',
      'transcryption = reshuffle + rekey of one ElGamal ciphertext (two ristretto255 scalar multiplications); (wasm) = libpep-wasm 0.12.0, (native) = the libsodium addon of @smis/pseudonym (same bytes).',
    ],
  };
}

export const bench: Bench = {
  name: 'crypto',
  description:
    'sealed envelopes (sodium-native vs tweetnacl) and PEP transcryption (libpep-wasm vs native libsodium, in-thread and worker pool)',
  run,
};
