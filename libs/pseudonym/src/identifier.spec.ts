import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidIdentifierError, type InvalidIdentifierReason } from './errors';
import { normalizePhoneNumber, parseIdentifier, validateNiss } from './identifier';

const NOW = new Date('2026-01-15T00:00:00Z');

function reasonOf(fn: () => unknown): InvalidIdentifierReason | 'no error' {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidIdentifierError) return e.reason;
    throw e;
  }
  return 'no error';
}

/** Builds a NISS with correct check digits for the given birth century. */
function niss(first9: string, century: 1900 | 2000): string {
  const n = Number((century === 2000 ? '2' : '') + first9);
  return first9 + String(97 - (n % 97)).padStart(2, '0');
}

describe('validateNiss', () => {
  it.each([
    ['93051822361', 'national', 1993, 5, 18],
    ['93.05.18-223.61', 'national', 1993, 5, 18],
    ['85073003328', 'national', 1985, 7, 30],
    ['01010100126', 'national', 2001, 1, 1], // born from 2000: check digits over 2 || first 9
    ['00010100204', 'national', 2000, 1, 1],
    ['17022800144', 'national', 2017, 2, 28],
    ['85251822333', 'bis', 1985, 5, 18], // month + 20: sex unknown
    ['85471822489', 'bis', 1985, 7, 18], // month + 40: sex known
    ['80000000130', 'national', 1980, 0, 0], // birth date unknown
    ['75120099582', 'national', 1975, 12, 0], // birth day unknown
  ])('accepts %s', (input, register, year, month, day) => {
    expect(validateNiss(input, NOW)).toEqual({
      digits: input.replace(/[.-]/g, ''),
      register,
      birthYear: year,
      birthMonth: month,
      birthDay: day,
    });
  });

  it('uses the "2" prefix rule to tell births from 2000 on', () => {
    expect(validateNiss(niss('050607123', 2000), NOW).birthYear).toBe(2005);
    expect(validateNiss(niss('050607123', 1900), NOW).birthYear).toBe(1905);
  });

  it.each<[string, InvalidIdentifierReason]>([
    ['93051822362', 'niss-check-digits'],
    ['9305182236', 'niss-format'],
    ['930518223611', 'niss-format'],
    ['9305182236a', 'niss-format'],
    ['', 'niss-format'],
    [niss('930518000', 1900), 'niss-sequence'],
    [niss('930518999', 1900), 'niss-sequence'],
    [niss('931318223', 1900), 'niss-birth-date'], // month 13
    [niss('930230223', 1900), 'niss-birth-date'], // 30 February
    [niss('010229001', 2000), 'niss-birth-date'], // 2001 is not a leap year
    [niss('930015223', 1900), 'niss-birth-date'], // unknown month, known day
    [niss('936018223', 1900), 'niss-birth-date'], // month 60
    [niss('270101001', 2000), 'niss-birth-date'], // born in 2027: the future
  ])('rejects %s (%s)', (input, reason) => {
    expect(reasonOf(() => validateNiss(input, NOW))).toBe(reason);
  });

  it('accepts 29 February in leap years, including 2000', () => {
    expect(validateNiss(niss('000229001', 2000), NOW).birthDay).toBe(29);
    expect(validateNiss(niss('960229001', 1900), NOW).birthDay).toBe(29);
    expect(validateNiss(niss('964229001', 1900), NOW)).toMatchObject({
      register: 'bis',
      birthMonth: 2,
      birthDay: 29,
    });
  });

  it('property: any valid birth date, sequence and century gives an accepted number', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('2025-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 1, max: 998 }),
        fc.constantFrom(0, 20, 40),
        (date, sequence, offset) => {
          const year = date.getUTCFullYear();
          const first9 =
            String(year % 100).padStart(2, '0') +
            String(date.getUTCMonth() + 1 + offset).padStart(2, '0') +
            String(date.getUTCDate()).padStart(2, '0') +
            String(sequence).padStart(3, '0');
          const info = validateNiss(niss(first9, year >= 2000 ? 2000 : 1900), NOW);
          expect(info.birthYear).toBe(year);
          expect(info.register).toBe(offset === 0 ? 'national' : 'bis');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: arbitrary strings are accepted only with matching check digits, else a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9]{11}$/)), (input) => {
        try {
          const { digits } = validateNiss(input, NOW);
          const base = Number(digits.slice(0, 9));
          const check = Number(digits.slice(9));
          expect([97 - (base % 97), 97 - ((2_000_000_000 + base) % 97)]).toContain(check);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidIdentifierError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('normalizePhoneNumber', () => {
  it.each([
    ['0470 12 34 56', '+32470123456'],
    ['+32 470 12 34 56', '+32470123456'],
    ['0032 470 12 34 56', '+32470123456'],
    ['(0470) 12.34.56', '+32470123456'],
    ['02 555 12 12', '+3225551212'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['+31 6 12345678', '+31612345678'],
  ])('%s -> %s', (input, e164) => {
    expect(normalizePhoneNumber(input)).toBe(e164);
  });

  it('reads numbers without a country code in the given region', () => {
    expect(normalizePhoneNumber('06 12 34 56 78', 'FR')).toBe('+33612345678');
  });

  it.each<[string, InvalidIdentifierReason]>([
    ['12', 'phone-invalid'],
    ['0470 12 34', 'phone-invalid'],
    ['+32 470 12 34 56 78 90', 'phone-invalid'],
    ['call 0470123456', 'phone-format'],
    ['0470123456;ext=1', 'phone-format'],
    ['', 'phone-format'],
  ])('rejects %j (%s)', (input, reason) => {
    expect(reasonOf(() => normalizePhoneNumber(input))).toBe(reason);
  });

  it('property: phone-like strings give E.164 or a typed error', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9+()./ -]{0,24}$/), (input) => {
        try {
          expect(normalizePhoneNumber(input)).toMatch(/^\+[1-9][0-9]{6,14}$/);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidIdentifierError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseIdentifier', () => {
  it('canonicalizes both schemes', () => {
    expect(parseIdentifier('niss:93.05.18-223.61', { now: NOW })).toEqual({
      scheme: 'niss',
      value: '93051822361',
      canonical: 'niss:93051822361',
    });
    expect(parseIdentifier('NISS: 93051822361', { now: NOW }).canonical).toBe('niss:93051822361');
    expect(parseIdentifier('tel:0470 12 34 56')).toEqual({
      scheme: 'tel',
      value: '+32470123456',
      canonical: 'tel:+32470123456',
    });
    expect(parseIdentifier('tel:+32470123456').canonical).toBe('tel:+32470123456');
  });

  it.each<[unknown, InvalidIdentifierReason]>([
    ['93051822361', 'unknown-scheme'],
    ['mail:someone@example.org', 'unknown-scheme'],
    ['niss:93051822362', 'niss-check-digits'],
    ['tel:abc', 'phone-format'],
    [`tel:${'1'.repeat(80)}`, 'too-long'],
    [42, 'not-a-string'],
    [undefined, 'not-a-string'],
  ])('rejects %j (%s)', (input, reason) => {
    expect(reasonOf(() => parseIdentifier(input as string, { now: NOW }))).toBe(reason);
  });

  it('never puts the identifier into the error message (it is personal data)', () => {
    for (const input of ['niss:93051822362', 'tel:0470 12 34', 'niss:930518223']) {
      try {
        parseIdentifier(input, { now: NOW });
        expect.unreachable('should have thrown');
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidIdentifierError);
        expect((e as Error).message).not.toMatch(/9305|0470/);
      }
    }
  });

  it('property: any string gives a canonical identifier or InvalidIdentifierError', () => {
    const candidates = fc.oneof(
      fc.string(),
      fc.string().map((s) => `niss:${s}`),
      fc.string().map((s) => `tel:${s}`),
      fc.stringMatching(/^[0-9]{11}$/).map((s) => `niss:${s}`),
      fc.stringMatching(/^\+?[0-9 ]{6,16}$/).map((s) => `tel:${s}`),
    );
    fc.assert(
      fc.property(candidates, (input) => {
        try {
          const id = parseIdentifier(input, { now: NOW });
          expect(id.canonical).toMatch(/^(niss:[0-9]{11}|tel:\+[1-9][0-9]{6,14})$/);
          expect(parseIdentifier(id.canonical, { now: NOW })).toEqual(id);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidIdentifierError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
