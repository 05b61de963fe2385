import { describe, expect, it } from 'vitest';
import { nationalNumberFromClaims } from './national-number';

/** A valid NISS for a birth date and sequence (check digits per the 1900/2000 rule). */
function niss(yymmdd: string, seq: string, from2000 = false): string {
  const base = Number(`${yymmdd}${seq}`);
  const check = 97 - ((from2000 ? 2_000_000_000 + base : base) % 97);
  return `${yymmdd}${seq}${String(check).padStart(2, '0')}`;
}

describe('national number claim', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const claim = 'national_number';

  it('accepts a valid NISS, with or without separators, born before or after 2000, BIS numbers', () => {
    const before = niss('850730', '033');
    expect(nationalNumberFromClaims({ [claim]: before }, claim, now)).toEqual({ ok: true, niss: before });
    const dotted = `${before.slice(0, 2)}.${before.slice(2, 4)}.${before.slice(4, 6)}-${before.slice(6, 9)}.${before.slice(9)}`;
    expect(nationalNumberFromClaims({ [claim]: dotted }, claim, now)).toEqual({ ok: true, niss: before });
    const after = niss('050412', '101', true);
    expect(nationalNumberFromClaims({ [claim]: after }, claim, now)).toEqual({ ok: true, niss: after });
    const bis = niss('854730', '033');
    expect(nationalNumberFromClaims({ [claim]: bis }, claim, now)).toEqual({ ok: true, niss: bis });
  });

  it('reads a configurable claim name, and numbers with a leading zero lost', () => {
    const value = niss('050412', '101', true);
    expect(nationalNumberFromClaims({ rrn: Number(value) }, 'rrn', now)).toEqual({ ok: true, niss: value });
    expect(nationalNumberFromClaims({ [claim]: value }, 'rrn', now)).toEqual({
      ok: false,
      reason: 'national-number-missing',
    });
  });

  it('rejects wrong check digits, impossible dates, future births, bad sequence, wrong types', () => {
    const good = niss('850730', '033');
    const wrongCheck = `${good.slice(0, 9)}${String((Number(good.slice(9)) + 1) % 100).padStart(2, '0')}`;
    const cases: Array<[unknown, string]> = [
      [wrongCheck, 'national-number-niss-check-digits'],
      [niss('851332', '033'), 'national-number-niss-birth-date'],
      [niss('301231', '033', true), 'national-number-niss-birth-date'],
      [niss('850730', '000'), 'national-number-niss-sequence'],
      ['1234', 'national-number-niss-format'],
      [['85073003328'], 'national-number-type'],
      [{ value: good }, 'national-number-type'],
      [-1, 'national-number-type'],
      ['', 'national-number-missing'],
      [null, 'national-number-missing'],
      ['9'.repeat(40), 'national-number-format'],
    ];
    for (const [value, reason] of cases)
      expect(nationalNumberFromClaims({ [claim]: value }, claim, now), String(value)).toEqual({
        ok: false,
        reason,
      });
  });

  it('does not read the claim from the prototype', () => {
    expect(nationalNumberFromClaims({}, 'constructor', now)).toEqual({
      ok: false,
      reason: 'national-number-missing',
    });
  });
});
