import { describe, expect, it } from 'vitest';
import { analyzeSms, encodeGsm7Unpacked, encodeUcs2, isGsm7 } from './sms-encoding';

describe('SMS encoding and segments', () => {
  it('fits 160 GSM septets in one SMS and splits 161 into 153-septet segments', () => {
    expect(analyzeSms('a'.repeat(160))).toMatchObject({ encoding: 'GSM7', units: 160, segments: 1 });
    expect(analyzeSms('a'.repeat(161))).toMatchObject({ encoding: 'GSM7', segments: 2, perSegment: 153 });
    expect(analyzeSms('a'.repeat(306)).segments).toBe(2);
    expect(analyzeSms('a'.repeat(307)).segments).toBe(3);
  });

  it('counts extension-table characters as two septets and never splits an escape pair', () => {
    expect(analyzeSms('€'.repeat(80))).toMatchObject({ encoding: 'GSM7', units: 160, segments: 1 });
    expect(analyzeSms('€'.repeat(81))).toMatchObject({ units: 162, segments: 2 });
    // 152 septets then an escape pair: the pair does not fit the first 153-septet segment whole.
    expect(analyzeSms(`${'a'.repeat(152)}€${'a'.repeat(10)}`).segments).toBe(2);
    expect(analyzeSms(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments).toBe(3);
  });

  it('goes UCS-2 for characters outside GSM 03.38, counting UTF-16 units (70 / 67)', () => {
    expect(isGsm7('Çà va? Ñandù {ok} ~ €')).toBe(true);
    expect(isGsm7('Ça va — oui')).toBe(false); // em dash
    expect(analyzeSms('ж'.repeat(70))).toMatchObject({ encoding: 'UCS2', units: 70, segments: 1 });
    expect(analyzeSms('ж'.repeat(71))).toMatchObject({ encoding: 'UCS2', segments: 2, perSegment: 67 });
    expect(analyzeSms('👍')).toMatchObject({ encoding: 'UCS2', units: 2, characters: 1, segments: 1 });
    // 66 units then a surrogate pair: the emoji moves to the second segment whole.
    expect(analyzeSms(`${'ж'.repeat(66)}👍${'ж'.repeat(3)}`).segments).toBe(2);
    expect(analyzeSms('').segments).toBe(1);
  });

  it('encodes GSM as unpacked septets with escapes, and UCS-2 big-endian', () => {
    expect([...encodeGsm7Unpacked('@a€')]).toEqual([0x00, 0x61, 0x1b, 0x65]);
    expect([...encodeUcs2('👍')]).toEqual([0xd8, 0x3d, 0xdc, 0x4d]);
    expect(() => encodeGsm7Unpacked('ж')).toThrow(RangeError);
  });
});
