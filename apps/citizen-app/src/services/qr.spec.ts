import { describe, expect, it } from 'vitest';
import { qrSvg } from './qr';

describe('qrSvg', () => {
  it('draws the modules of a QR code with finder patterns and a quiet zone', () => {
    const svg = qrSvg('HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0B');
    expect(svg.size).toBeGreaterThanOrEqual(21);
    expect((svg.size - 17) % 4).toBe(0);
    expect(svg.viewBox).toBe(svg.size + 8);
    // Top-left finder pattern: its corner module is dark, at the quiet-zone offset.
    expect(svg.path.startsWith('M4 4h1v1h-1z')).toBe(true);
    // The module just inside the finder's outer ring (row 1, col 1) is light.
    expect(svg.path).not.toContain('M5 5h1v1h-1z');
  });
  it('grows with the data', () => {
    expect(qrSvg('x'.repeat(200)).size).toBeGreaterThan(qrSvg('x').size);
  });
});
