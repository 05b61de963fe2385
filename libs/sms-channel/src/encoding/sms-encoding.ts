/**
 * SMS text encoding (3GPP TS 23.038, "GSM 03.38"): a text goes as GSM 7-bit when every character
 * is in the default alphabet or its extension table (an extension character costs two septets:
 * ESC + code), otherwise as UCS-2 (UTF-16 code units; a character outside the BMP, such as an
 * emoji, costs two). One SMS carries 160 septets / 70 units; a concatenated one spends 7 octets
 * on the UDH, leaving 153 septets / 67 units per segment. An escape pair or a surrogate pair is
 * never split across segments, so segments are counted by filling them, not by dividing.
 */

export type SmsEncoding = 'GSM7' | 'UCS2';

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION: ReadonlyArray<readonly [string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const BASIC_CODE = new Map<string, number>();
for (let i = 0; i < GSM_BASIC.length; i++) if (i !== 0x1b) BASIC_CODE.set(GSM_BASIC[i], i);
const EXTENSION_CODE = new Map<string, number>(GSM_EXTENSION);

export const SMS_LIMITS = Object.freeze({
  GSM7: { single: 160, multi: 153 },
  UCS2: { single: 70, multi: 67 },
});

export interface SmsAnalysis {
  encoding: SmsEncoding;
  /** Septets (GSM7) or UTF-16 code units (UCS2) of the whole text. */
  units: number;
  segments: number;
  /** Characters (code points) of the text. */
  characters: number;
  /** Units per segment for this text (160/153 or 70/67). */
  perSegment: number;
}

/** Cost in septets of one character, or undefined when GSM 7-bit cannot carry it. */
function gsmCost(char: string): number | undefined {
  if (BASIC_CODE.has(char)) return 1;
  if (EXTENSION_CODE.has(char)) return 2;
  return undefined;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (gsmCost(char) === undefined) return false;
  return true;
}

function countSegments(costs: readonly number[], single: number, multi: number): number {
  const total = costs.reduce((a, b) => a + b, 0);
  if (total === 0) return 1;
  if (total <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return segments;
}

/** Encoding, size and segment count of an SMS text. */
export function analyzeSms(text: string): SmsAnalysis {
  const chars = [...text];
  const gsm = chars.map(gsmCost);
  if (gsm.every((c) => c !== undefined)) {
    const costs = gsm as number[];
    const units = costs.reduce((a, b) => a + b, 0);
    const segments = countSegments(costs, SMS_LIMITS.GSM7.single, SMS_LIMITS.GSM7.multi);
    return {
      encoding: 'GSM7',
      units,
      segments,
      characters: chars.length,
      perSegment: segments === 1 ? SMS_LIMITS.GSM7.single : SMS_LIMITS.GSM7.multi,
    };
  }
  const costs = chars.map((c) => c.length);
  const units = costs.reduce((a, b) => a + b, 0);
  const segments = countSegments(costs, SMS_LIMITS.UCS2.single, SMS_LIMITS.UCS2.multi);
  return {
    encoding: 'UCS2',
    units,
    segments,
    characters: chars.length,
    perSegment: segments === 1 ? SMS_LIMITS.UCS2.single : SMS_LIMITS.UCS2.multi,
  };
}

/** GSM 7-bit as unpacked septets (one per octet), as SMPP data_coding 0 carries them. */
export function encodeGsm7Unpacked(text: string): Buffer {
  const out: number[] = [];
  for (const char of text) {
    const basic = BASIC_CODE.get(char);
    if (basic !== undefined) out.push(basic);
    else {
      const ext = EXTENSION_CODE.get(char);
      if (ext === undefined) throw new RangeError('The text has a character outside GSM 03.38');
      out.push(0x1b, ext);
    }
  }
  return Buffer.from(out);
}

/** UCS-2 (UTF-16BE), as SMPP data_coding 8 carries it. */
export function encodeUcs2(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  return le.swap16();
}
