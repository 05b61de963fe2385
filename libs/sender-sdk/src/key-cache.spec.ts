import type { PolymorphicPseudonym } from '@smis/pseudonym';
import { describe, expect, it } from 'vitest';
import { RateLimitedError, SenderConfigError, TransportError } from './errors';
import { DeviceKeyCache, keyCacheOptions, type KeyDirectory } from './key-cache';
import type { Reachability } from './types';

const answerFor = (pp: string): Reachability => ({
  appInstalled: true,
  notificationsEnabled: true,
  devices: [{ keyId: `key-of-${pp}`, publicKey: 'AAAA' }],
});
const pp = (name: string) => (): PolymorphicPseudonym => name as PolymorphicPseudonym;

/** A directory double: counts calls; answers at once, or waits for `release` when held. */
function fakeDirectory(options: { batch?: boolean | 'unsupported'; hold?: boolean } = {}) {
  const single: string[] = [];
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  let failWith: unknown;
  const gate = async (): Promise<void> => {
    if (options.hold) await new Promise<void>((release) => gates.push(release));
    if (failWith !== undefined) throw failWith;
  };
  const directory: KeyDirectory = {
    lookup: async (recipient) => {
      single.push(recipient);
      await gate();
      if (recipient.startsWith('bad')) throw new TransportError('keys/lookup', 'broken', true);
      return answerFor(recipient);
    },
    ...(options.batch
      ? {
          lookupMany: async (recipients: readonly PolymorphicPseudonym[]) => {
            if (options.batch === 'unsupported') return undefined;
            batches.push([...recipients]);
            await gate();
            return recipients.map(answerFor);
          },
        }
      : {}),
  };
  return {
    directory,
    single,
    batches,
    release: () => gates.splice(0).forEach((g) => g()),
    failNext: (error: unknown) => (failWith = error),
  };
}

describe('DeviceKeyCache', () => {
  it('reuses an answer for ttlMs, then asks again', async () => {
    let now = 1_000;
    const fake = fakeDirectory();
    const cache = new DeviceKeyCache(fake.directory, { ttlMs: 60_000 }, () => now);
    expect(await cache.get('alice', pp('pp-a'))).toEqual(answerFor('pp-a'));
    now += 59_999;
    expect(await cache.get('alice', pp('pp-a2'))).toEqual(answerFor('pp-a'));
    expect(fake.single).toEqual(['pp-a']);
    now += 1;
    expect(await cache.get('alice', pp('pp-a3'))).toEqual(answerFor('pp-a3'));
    expect(fake.single).toEqual(['pp-a', 'pp-a3']);
  });

  it('shares one lookup between concurrent callers of one recipient (single flight)', async () => {
    const fake = fakeDirectory({ hold: true });
    const cache = new DeviceKeyCache(fake.directory, { ttlMs: 0 });
    let made = 0;
    const pseudonym = () => `pp-${++made}` as PolymorphicPseudonym;
    const answers = Promise.all([1, 2, 3].map(() => cache.get('alice', pseudonym)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.single).toEqual(['pp-1']);
    expect(made).toBe(1); // no pseudonym made for the callers that joined
    fake.release();
    expect(await answers).toEqual([answerFor('pp-1'), answerFor('pp-1'), answerFor('pp-1')]);
    // ttlMs 0 keeps nothing: the next caller asks again.
    const again = cache.get('alice', pseudonym);
    await new Promise((resolve) => setImmediate(resolve));
    fake.release();
    expect(await again).toEqual(answerFor('pp-2'));
    expect(cache.size).toBe(0);
  });

  it('batches the lookups of different recipients started in one tick, up to maxBatch', async () => {
    const fake = fakeDirectory({ batch: true });
    const cache = new DeviceKeyCache(fake.directory, { maxBatch: 3 });
    const names = ['a', 'b', 'c', 'd', 'e'];
    const answers = await Promise.all(names.map((n) => cache.get(n, pp(`pp-${n}`))));
    expect(answers).toEqual(names.map((n) => answerFor(`pp-${n}`)));
    expect(fake.batches).toEqual([
      ['pp-a', 'pp-b', 'pp-c'],
      ['pp-d', 'pp-e'],
    ]);
    expect(fake.single).toEqual([]);
    // A lone lookup uses the single route.
    await cache.get('f', pp('pp-f'));
    expect(fake.single).toEqual(['pp-f']);
  });

  it('asks one by one when the directory cannot batch; a failure reaches only its caller', async () => {
    const fake = fakeDirectory({ batch: 'unsupported' });
    const cache = new DeviceKeyCache(fake.directory);
    const outcomes = await Promise.allSettled([
      cache.get('a', pp('pp-a')),
      cache.get('bad', pp('bad-pp')),
      cache.get('c', pp('pp-c')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(TransportError);
    expect(fake.single).toEqual(['pp-a', 'bad-pp', 'pp-c']);
    // The failure is not remembered: the next lookup asks again.
    await expect(cache.get('bad', pp('bad-pp'))).rejects.toBeInstanceOf(TransportError);
    expect(fake.single.filter((p) => p === 'bad-pp')).toHaveLength(2);
  });

  it('rejects every caller waiting on a failed batch, and remembers nothing of it', async () => {
    const fake = fakeDirectory({ batch: true });
    const cache = new DeviceKeyCache(fake.directory);
    const limited = new RateLimitedError('keys/lookup/batch', undefined, 2);
    fake.failNext(limited);
    const outcomes = await Promise.allSettled([
      cache.get('a', pp('pp-a')),
      cache.get('a', pp('pp-a-again')), // joins the first
      cache.get('b', pp('pp-b')),
    ]);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: limited },
      { status: 'rejected', reason: limited },
      { status: 'rejected', reason: limited },
    ]);
    expect(fake.batches).toEqual([['pp-a', 'pp-b']]);
    expect(cache.size).toBe(0);
    fake.failNext(undefined);
    expect(await cache.get('a', pp('pp-a2'))).toEqual(answerFor('pp-a2'));
  });

  it('refuses a batch answer of the wrong length for every caller', async () => {
    const cache = new DeviceKeyCache({
      lookup: async (r) => answerFor(r),
      lookupMany: async () => [answerFor('x')],
    });
    const outcomes = await Promise.allSettled([cache.get('a', pp('pp-a')), cache.get('b', pp('pp-b'))]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(TransportError);
    }
  });

  it('fresh skips the remembered answer and replaces it; invalidate forgets it', async () => {
    const fake = fakeDirectory();
    const cache = new DeviceKeyCache(fake.directory);
    await cache.get('alice', pp('pp-1'));
    expect(await cache.get('alice', pp('pp-2'), { fresh: true })).toEqual(answerFor('pp-2'));
    expect(await cache.get('alice', pp('pp-3'))).toEqual(answerFor('pp-2'));
    cache.invalidate('alice');
    expect(await cache.get('alice', pp('pp-4'))).toEqual(answerFor('pp-4'));
    expect(fake.single).toEqual(['pp-1', 'pp-2', 'pp-4']);
  });

  it('keeps at most maxEntries answers, dropping the oldest', async () => {
    const fake = fakeDirectory();
    const cache = new DeviceKeyCache(fake.directory, { maxEntries: 2 });
    for (const n of ['a', 'b', 'c']) await cache.get(n, pp(`pp-${n}`));
    expect(cache.size).toBe(2);
    await cache.get('b', pp('pp-b2'));
    await cache.get('c', pp('pp-c2'));
    await cache.get('a', pp('pp-a2'));
    expect(fake.single).toEqual(['pp-a', 'pp-b', 'pp-c', 'pp-a2']);
  });

  it('asks nothing when the pseudonym cannot be made', async () => {
    const fake = fakeDirectory();
    const cache = new DeviceKeyCache(fake.directory);
    const refused = new Error('invalid recipient');
    expect(() =>
      cache.get('x', () => {
        throw refused;
      }),
    ).toThrow(refused);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.single).toEqual([]);
  });

  it('refuses options it cannot work with, naming the field', () => {
    expect(keyCacheOptions()).toEqual({ ttlMs: 60_000, maxEntries: 10_000, maxBatch: 100 });
    expect(() => keyCacheOptions({ ttlMs: -1 })).toThrow(SenderConfigError);
    expect(() => keyCacheOptions({ maxBatch: 0 })).toThrow('keyCache.maxBatch');
    expect(() => keyCacheOptions({ maxEntries: 2.5 })).toThrow('keyCache.maxEntries');
  });
});
