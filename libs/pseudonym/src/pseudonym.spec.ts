import { afterAll, describe, expect, it } from 'vitest';
import {
  generatePseudonymKeys,
  parseDomainKeyConfig,
  parseTranscryptorConfig,
  type DomainKeyConfig,
} from './config';
import { PSEUDONYM_DOMAINS, type PseudonymDomain } from './domains';
import {
  domainOf,
  parseLocalPseudonym,
  type EncryptedPseudonym,
  type LocalPseudonym,
  type PolymorphicPseudonym,
} from './encoding';
import { InvalidPseudonymError, PseudonymConfigError, WrongDomainError } from './errors';
import { parseIdentifier } from './identifier';
import { loadLibpep } from './libpep';
import { createPseudonymizer, identifierPoint } from './pseudonymizer';
import { createDomainDecryptor, createTranscryptor, type BatchOutcome } from './transcryptor';
import { createPseudonymWorkerPool, PoolClosedError } from './worker-pool';

const keys = generatePseudonymKeys();
const pseudonymizer = createPseudonymizer(keys.public);
const transcryptor = createTranscryptor(keys.transcryptor);
const keyOf = (domain: PseudonymDomain) =>
  keys.domainKeys.find((k) => k.domain === domain) as DomainKeyConfig;
const decryptors = Object.fromEntries(
  PSEUDONYM_DOMAINS.map((d) => [d, createDomainDecryptor(keyOf(d))]),
) as Record<PseudonymDomain, ReturnType<typeof createDomainDecryptor>>;

function localPseudonym(identifier: string, domain: PseudonymDomain): LocalPseudonym {
  return decryptors[domain].decrypt(
    transcryptor.transcrypt(pseudonymizer.polymorphicPseudonym(identifier), domain),
  );
}

function values<T>(outcomes: BatchOutcome<T>[]): T[] {
  return outcomes.map((o) => {
    if (!o.ok) throw o.error;
    return o.value;
  });
}

const NISS = 'niss:93051822361';
const PHONE = 'tel:+32470123456';

describe('polymorphic pseudonyms', () => {
  it('same identity, same domain: same local pseudonym, whatever the polymorphic form', () => {
    const a = localPseudonym(NISS, 'router');
    expect(localPseudonym(NISS, 'router')).toBe(a);
    expect(localPseudonym('niss:93.05.18-223.61', 'router')).toBe(a);
    expect(localPseudonym('tel:0470 12 34 56', 'sms')).toBe(localPseudonym(PHONE, 'sms'));
    expect(parseLocalPseudonym(a)).toBe(a);
  });

  it('same identity, different domains: unrelated pseudonyms', () => {
    const perDomain = PSEUDONYM_DOMAINS.map((d) => localPseudonym(NISS, d));
    expect(new Set(perDomain).size).toBe(PSEUDONYM_DOMAINS.length);
  });

  it('different identities: different pseudonyms', () => {
    expect(localPseudonym(NISS, 'app')).not.toBe(localPseudonym('niss:85073003328', 'app'));
    expect(localPseudonym(NISS, 'app')).not.toBe(localPseudonym(PHONE, 'app'));
  });

  it('encryption is randomized: two pseudonyms of one citizen do not look alike', () => {
    expect(pseudonymizer.polymorphicPseudonym(NISS)).not.toBe(pseudonymizer.polymorphicPseudonym(NISS));
  });

  it('rerandomized ciphertexts differ and still transcrypt to the same pseudonym', () => {
    const original = pseudonymizer.polymorphicPseudonym(NISS);
    const again = pseudonymizer.rerandomize(original);
    const twice = pseudonymizer.rerandomize(again);
    expect(new Set([original, again, twice]).size).toBe(3);
    const expected = localPseudonym(NISS, 'app');
    for (const pp of [original, again, twice]) {
      const encrypted = transcryptor.transcrypt(pp, 'app');
      expect(decryptors.app.decrypt(encrypted)).toBe(expected);
    }
  });

  it("a domain cannot decrypt another domain's pseudonym: typed error, and garbage if the tag is forged", () => {
    const forApp = transcryptor.transcrypt(pseudonymizer.polymorphicPseudonym(NISS), 'app');
    expect(domainOf(forApp)).toBe('app');
    expect(() => decryptors.router.decrypt(forApp)).toThrow(WrongDomainError);
    const bytes = Buffer.from(forApp, 'base64url');
    bytes[0] = 1; // claim "router"
    const forged = bytes.toString('base64url') as EncryptedPseudonym;
    const garbage = decryptors.router.decrypt(forged);
    expect(garbage).not.toBe(localPseudonym(NISS, 'router'));
    expect(garbage).not.toBe(localPseudonym(NISS, 'app'));
  });

  it('is keyed: the local pseudonym is neither the hashed identifier nor reproducible with other factors', () => {
    const pep = loadLibpep();
    const hashed = Buffer.from(identifierPoint(pep, parseIdentifier(NISS)).toBytes()).toString('base64url');
    const local = localPseudonym(NISS, 'router');
    expect(local).not.toBe(hashed);
    const otherSystem = generatePseudonymKeys({ domains: ['router'] });
    const other = createDomainDecryptor(otherSystem.domainKeys[0]).decrypt(
      createTranscryptor(otherSystem.transcryptor).transcrypt(
        createPseudonymizer(otherSystem.public).polymorphicPseudonym(NISS),
        'router',
      ),
    );
    expect(other).not.toBe(local);
  });

  it('keeps local pseudonyms across a key rotation that keeps the reshuffle factors', () => {
    const rotated = generatePseudonymKeys({ keepReshuffleFactors: keys.transcryptor });
    expect(rotated.public.systemPublicKey).not.toBe(keys.public.systemPublicKey);
    const router = rotated.domainKeys.find((k) => k.domain === 'router') as DomainKeyConfig;
    expect(router.secretKey).not.toBe(keyOf('router').secretKey);
    const viaRotated = createDomainDecryptor(router).decrypt(
      createTranscryptor(rotated.transcryptor).transcrypt(
        createPseudonymizer(rotated.public).polymorphicPseudonym(NISS),
        'router',
      ),
    );
    expect(viaRotated).toBe(localPseudonym(NISS, 'router'));
  });

  it("transcryption equals libpep's reference reshuffle+rekey (rsk)", () => {
    const pep = loadLibpep();
    const pp = pseudonymizer.polymorphicPseudonym(PHONE);
    const factors = keys.transcryptor.domains.sms as { reshuffleFactor: string; rekeyFactor: string };
    const reference = pep.rsk(
      pep.ElGamal.fromBytes(Buffer.from(pp, 'base64url')) as never,
      pep.ScalarNonZero.fromHex(factors.reshuffleFactor) as never,
      pep.ScalarNonZero.fromHex(factors.rekeyFactor) as never,
    );
    const ours = Buffer.from(transcryptor.transcrypt(pp, 'sms'), 'base64url').subarray(1);
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(reference.toBytes()).toString('hex'));
  });
});

describe('batches', () => {
  const good = pseudonymizer.polymorphicPseudonym(NISS);
  const bad: [string, string][] = [
    ['not base64url', 'a+b/'],
    ['wrong length', Buffer.alloc(32, 1).toString('base64url')],
    ['not curve points', Buffer.alloc(64, 0xff).toString('base64url')],
    [
      'identity randomizer',
      Buffer.concat([Buffer.alloc(32), Buffer.from(good, 'base64url').subarray(32)]).toString('base64url'),
    ],
  ];

  it('return one outcome per item, in order; bad items do not fail the others', () => {
    const input = [good, ...bad.map(([, v]) => v), good] as PolymorphicPseudonym[];
    const outcomes = transcryptor.transcryptBatch(input, 'router');
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, false, false, false, true]);
    for (const o of outcomes.slice(1, 5)) expect(!o.ok && o.error).toBeInstanceOf(InvalidPseudonymError);
    const decrypted = decryptors.router.decryptBatch(
      [outcomes[0], outcomes[5]].map((o) => (o.ok ? o.value : ('' as EncryptedPseudonym))),
    );
    expect(values(decrypted)).toEqual([localPseudonym(NISS, 'router'), localPseudonym(NISS, 'router')]);
  });

  it('single calls throw the typed error', () => {
    expect(() => transcryptor.transcrypt('x' as PolymorphicPseudonym, 'router')).toThrow(
      InvalidPseudonymError,
    );
    expect(() => decryptors.sms.decrypt('x' as EncryptedPseudonym)).toThrow(InvalidPseudonymError);
  });

  it('handle the empty batch', () => {
    expect(transcryptor.transcryptBatch([], 'app')).toEqual([]);
  });
});

describe('worker pool', () => {
  const pool = createPseudonymWorkerPool({
    transcryptor: keys.transcryptor,
    domainKeys: keys.domainKeys,
    size: 2,
    chunkSize: 7,
  });
  afterAll(() => pool.close());

  it('gives exactly the in-thread results, across chunks and workers', async () => {
    const identities = Array.from({ length: 40 }, (_, i) => `tel:+32470${String(100000 + i)}`);
    const input = identities.map((id) => pseudonymizer.polymorphicPseudonym(id));
    input[13] = 'broken' as PolymorphicPseudonym;
    const pooled = await pool.transcryptBatch(input, 'email');
    expect(pooled).toEqual(transcryptor.transcryptBatch(input, 'email'));
    const encrypted = pooled.map((o) => (o.ok ? o.value : ('' as EncryptedPseudonym)));
    const local = await pool.decryptBatch(encrypted, 'email');
    expect(local).toEqual(decryptors.email.decryptBatch(encrypted));
    expect(local.filter((o) => o.ok)).toHaveLength(39);
    expect(local[0]).toEqual({ ok: true, value: localPseudonym(identities[0], 'email') });
  });

  it('runs concurrent batches and reports wrong domains per item', async () => {
    const pp = pseudonymizer.polymorphicPseudonym(PHONE);
    const [app, sms] = await Promise.all([
      pool.transcryptBatch([pp, pp], 'app'),
      pool.transcryptBatch([pp], 'sms'),
    ]);
    const mixed = [...app, ...sms].map((o) => (o.ok ? o.value : ('' as EncryptedPseudonym)));
    const outcomes = await pool.decryptBatch(mixed, 'app');
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false]);
    expect(!outcomes[2].ok && outcomes[2].error).toBeInstanceOf(WrongDomainError);
  });

  it('rejects domains it has no keys for, and work after close', async () => {
    const small = createPseudonymWorkerPool({
      transcryptor: parseTranscryptorConfig({
        ...keys.transcryptor,
        domains: { app: keys.transcryptor.domains.app },
      }),
      size: 1,
    });
    await expect(small.transcryptBatch([], 'router')).rejects.toBeInstanceOf(PseudonymConfigError);
    await expect(small.decryptBatch([], 'app')).rejects.toBeInstanceOf(PseudonymConfigError);
    await small.close();
    await expect(
      small.transcryptBatch([pseudonymizer.polymorphicPseudonym(NISS)], 'app'),
    ).rejects.toBeInstanceOf(PoolClosedError);
  });
});

describe('configuration', () => {
  it('keygen output parses back, and names the field that is wrong', () => {
    expect(parseTranscryptorConfig(JSON.parse(JSON.stringify(keys.transcryptor)))).toEqual(keys.transcryptor);
    expect(parseDomainKeyConfig(keyOf('sms'))).toEqual(keyOf('sms'));
    const cases: [unknown, string][] = [
      [{ ...keys.transcryptor, systemPublicKey: 'zz' }, 'transcryptor.systemPublicKey'],
      [{ ...keys.transcryptor, version: 2 }, 'transcryptor.version'],
      [{ ...keys.transcryptor, domains: { fax: {} } }, 'transcryptor.domains.fax'],
      [
        { ...keys.transcryptor, domains: { app: { reshuffleFactor: '00'.repeat(32), rekeyFactor: 'ab' } } },
        'transcryptor.domains.app.reshuffleFactor',
      ],
      [{ ...keys.transcryptor, domains: {} }, 'transcryptor.domains'],
      [null, 'transcryptor'],
    ];
    for (const [value, path] of cases) {
      try {
        parseTranscryptorConfig(value);
        expect.unreachable(`accepted ${JSON.stringify(value)}`);
      } catch (e) {
        expect(e).toBeInstanceOf(PseudonymConfigError);
        expect((e as PseudonymConfigError).path).toBe(path);
      }
    }
    expect(() => parseDomainKeyConfig({ version: 1, domain: 'router', secretKey: 'ff'.repeat(32) })).toThrow(
      /secretKey/,
    );
  });

  it('a transcryptor refuses domains without factors', () => {
    const appOnly = createTranscryptor(
      parseTranscryptorConfig({ ...keys.transcryptor, domains: { app: keys.transcryptor.domains.app } }),
    );
    expect(appOnly.domains).toEqual(['app']);
    expect(() => appOnly.transcrypt(pseudonymizer.polymorphicPseudonym(NISS), 'router')).toThrow(
      PseudonymConfigError,
    );
  });
});
