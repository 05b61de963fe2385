/**
 * Citizen identifiers as senders give them: `niss:<11 digits>` (Belgian national register or
 * BIS number, NISS/INSZ) or `tel:<phone number>`, parsed into one canonical string per citizen
 * (`niss:93051822361`, `tel:+32470123456`) so the same person always maps to the same group
 * element.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { InvalidIdentifierError } from './errors';

export type IdentifierScheme = 'niss' | 'tel';

export interface CitizenIdentifier {
  readonly scheme: IdentifierScheme;
  /** 11 digits for NISS, E.164 (`+32470123456`) for phones. */
  readonly value: string;
  /** `scheme:value`, the input of the pseudonym derivation. */
  readonly canonical: string;
}

export interface NissInfo {
  readonly digits: string;
  /** `national`: national register number; `bis`: BIS number (month + 20 or + 40). */
  readonly register: 'national' | 'bis';
  readonly birthYear: number;
  /** 0 when unknown. */
  readonly birthMonth: number;
  /** 0 when unknown. */
  readonly birthDay: number;
}

export interface ParseOptions {
  /** Region for phone numbers written without a country code. Default BE. */
  readonly defaultRegion?: CountryCode;
  /** For the "not born in the future" check. Default now. */
  readonly now?: Date;
}

const MAX_INPUT_LENGTH = 64;
const NISS_SEPARATORS = /[.\- ]/g;
const PHONE_CHARACTERS = /^[0-9+()./\- ]+$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Validates a NISS/INSZ (national register or BIS number): 11 digits YYMMDD SSS CC where
 * CC = 97 - (YYMMDDSSS mod 97) for births before 2000 and 97 - (2YYMMDDSSS mod 97) from 2000
 * on (which of the two matches tells the century). BIS numbers add 20 (sex unknown) or 40 (sex
 * known) to the month. Month 00 / day 00 stand for an unknown birth date part.
 */
export function validateNiss(input: string, now: Date = new Date()): NissInfo {
  if (typeof input !== 'string') throw new InvalidIdentifierError('not-a-string');
  const digits = input.replace(NISS_SEPARATORS, '');
  if (!/^[0-9]{11}$/.test(digits)) throw new InvalidIdentifierError('niss-format');
  const base = Number(digits.slice(0, 9));
  const check = Number(digits.slice(9));
  let century: number;
  if (97 - (base % 97) === check) century = 1900;
  else if (97 - ((2_000_000_000 + base) % 97) === check) century = 2000;
  else throw new InvalidIdentifierError('niss-check-digits');

  const sequence = Number(digits.slice(6, 9));
  if (sequence < 1 || sequence > 998) throw new InvalidIdentifierError('niss-sequence');

  const yy = Number(digits.slice(0, 2));
  let month = Number(digits.slice(2, 4));
  const day = Number(digits.slice(4, 6));
  let register: NissInfo['register'] = 'national';
  if (month >= 40 && month <= 52) {
    register = 'bis';
    month -= 40;
  } else if (month >= 20 && month <= 32) {
    register = 'bis';
    month -= 20;
  }
  const year = century + yy;
  if (month > 12) throw new InvalidIdentifierError('niss-birth-date');
  if (month === 0 && day !== 0) throw new InvalidIdentifierError('niss-birth-date');
  if (month > 0 && day > daysInMonth(year, month)) throw new InvalidIdentifierError('niss-birth-date');
  const earliest = Date.UTC(year, Math.max(month, 1) - 1, Math.max(day, 1));
  if (earliest > now.getTime()) throw new InvalidIdentifierError('niss-birth-date');
  return { digits, register, birthYear: year, birthMonth: month, birthDay: day };
}

/** Normalizes a phone number to E.164 with libphonenumber-js (full metadata). */
export function normalizePhoneNumber(input: string, defaultRegion: CountryCode = 'BE'): string {
  if (typeof input !== 'string') throw new InvalidIdentifierError('not-a-string');
  const text = input.trim();
  if (!PHONE_CHARACTERS.test(text)) throw new InvalidIdentifierError('phone-format');
  const phone = parsePhoneNumberFromString(text, { defaultCountry: defaultRegion, extract: false });
  if (!phone || !phone.isValid()) throw new InvalidIdentifierError('phone-invalid');
  return phone.number;
}

/** Parses `niss:...` or `tel:...` (scheme case-insensitive) into its canonical form. */
export function parseIdentifier(input: string, options: ParseOptions = {}): CitizenIdentifier {
  if (typeof input !== 'string') throw new InvalidIdentifierError('not-a-string');
  if (input.length > MAX_INPUT_LENGTH) throw new InvalidIdentifierError('too-long');
  const colon = input.indexOf(':');
  const scheme = colon < 0 ? '' : input.slice(0, colon).trim().toLowerCase();
  const rest = input.slice(colon + 1);
  if (scheme === 'niss') {
    const { digits } = validateNiss(rest.trim(), options.now);
    return { scheme: 'niss', value: digits, canonical: `niss:${digits}` };
  }
  if (scheme === 'tel') {
    const e164 = normalizePhoneNumber(rest, options.defaultRegion ?? 'BE');
    return { scheme: 'tel', value: e164, canonical: `tel:${e164}` };
  }
  throw new InvalidIdentifierError('unknown-scheme');
}
