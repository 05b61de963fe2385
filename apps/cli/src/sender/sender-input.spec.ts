import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeContent, encodeContent } from '@smis/message-content';
import { describe, expect, it } from 'vitest';
import { parseCsvLine, readCsv } from './csv';
import { buildSendInput, parseExpiry } from './message-input';
import { loadSenderProfile } from './sender-profile';

describe('message input from the command line', () => {
  it('builds multilingual content with a QR code and fallback texts', () => {
    const input = buildSendInput(
      {
        text: ['nl=Uw testresultaat', 'fr=Votre résultat'],
        title: 'Test',
        qr: 'PCR-123',
        sms: 'See the app',
        category: 'health',
        expires: '2h',
      },
      'tel:+32470000001',
    );
    const content = decodeContent(encodeContent(input.content));
    expect(Object.keys(content.texts).sort()).toEqual(['fr', 'nl']);
    expect(content.parts).toEqual([{ kind: 'qr', data: 'PCR-123' }]);
    expect(input.smsText).toBe('See the app');
    expect(Number(input.expiresAt) - Date.now()).toBeGreaterThan(7_100_000);
  });

  it('says what is missing or wrong', () => {
    expect(() => buildSendInput({ category: 'health', expires: '1d' }, 'tel:+32470000001')).toThrow(/--text/);
    expect(() => parseExpiry('soon')).toThrow(/neither a duration/);
    expect(parseExpiry('30m', 0)).toBe(1_800_000);
  });
});

describe('CSV', () => {
  it('splits quoted fields and streams rows by header', async () => {
    expect(parseCsvLine('a,"b,c","d ""e"""')).toEqual(['a', 'b,c', 'd "e"']);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'csv-')), 'in.csv');
    writeFileSync(file, 'recipient,text_nl\ntel:+32470000001,Hallo\n\n"niss:93051822361","Dag, u"\n');
    const rows = [];
    for await (const r of readCsv(file)) rows.push(r.row);
    expect(rows).toEqual([
      { recipient: 'tel:+32470000001', text_nl: 'Hallo' },
      { recipient: 'niss:93051822361', text_nl: 'Dag, u' },
    ]);
  });
});

describe('sender profile', () => {
  it('tells how to get one when there is none', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'profile-'));
    expect(() => loadSenderProfile({}, { SMIS_DATA_DIR: dir })).toThrow(/run 'npm start' once/);
  });
});
