import { InvalidIdentifierError, validateNiss } from '@smis/pseudonym';

/**
 * The NISS from an ID token's claim: a string (or a number, as some providers send it) that is a
 * valid NISS/INSZ (check digits, birth date, sequence). Returns the 11 digits, or a reason code
 * for the audit trail (never the value).
 */
export function nationalNumberFromClaims(
  claims: Readonly<Record<string, unknown>>,
  claimName: string,
  now: Date,
): { ok: true; niss: string } | { ok: false; reason: string } {
  const raw = Object.prototype.hasOwnProperty.call(claims, claimName) ? claims[claimName] : undefined;
  if (raw === undefined || raw === null || raw === '')
    return { ok: false, reason: 'national-number-missing' };
  let value: string;
  if (typeof raw === 'string') value = raw;
  else if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0)
    value = String(raw).padStart(11, '0');
  else return { ok: false, reason: 'national-number-type' };
  if (value.length > 20) return { ok: false, reason: 'national-number-format' };
  try {
    return { ok: true, niss: validateNiss(value.trim(), now).digits };
  } catch (error) {
    if (error instanceof InvalidIdentifierError)
      return { ok: false, reason: `national-number-${error.reason}` };
    throw error;
  }
}
