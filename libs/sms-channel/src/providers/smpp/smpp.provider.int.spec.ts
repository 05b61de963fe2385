import { startSmppSmscSimulator, type SmppSmscSimulator } from '@smis/sms-simulators';
import { waitFor } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smppDefaults } from '../../config';
import { analyzeSms } from '../../encoding/sms-encoding';
import type { DeliveryReport } from '../sms-provider';
import { ProviderRejectedError, ProviderUnavailableError } from '../sms-provider';
import { SmppProvider } from './smpp.provider';

describe('SMPP 3.4 provider against the SMSC simulator', () => {
  let smsc: SmppSmscSimulator;
  let provider: SmppProvider;
  const reports: DeliveryReport[] = [];
  const waiters: Array<() => void> = [];
  const nextReport = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => (reports.length >= count ? resolve() : waiters.push(check));
      check();
    });

  const sms = (text: string, reference: string) => ({
    clientReference: reference,
    from: 'SMIS',
    to: '+32470123456',
    text,
    ...analyzeSms(text),
  });

  beforeAll(async () => {
    smsc = await startSmppSmscSimulator({ systemId: 'smis', password: 'secret' });
    provider = new SmppProvider(
      'smsc',
      smppDefaults({
        host: smsc.host,
        port: smsc.port,
        systemId: 'smis',
        password: 'secret',
        enquireLinkIntervalMs: 50,
        reconnectDelayMs: 20,
      }),
    );
    await provider.start(async (report) => {
      reports.push(report);
      for (const w of waiters.splice(0)) w();
    });
    await provider.whenBound();
  });

  afterAll(async () => {
    await provider?.stop();
    await smsc?.close();
  });

  it('binds, submits GSM and UCS-2 (short and long), and turns receipts into reports', async () => {
    const gsm = `Uw code: {1234} €${'x'.repeat(200)}`;
    const { providerMessageId: a } = await provider.submit(sms(gsm, 'ref-a'));
    const { providerMessageId: b } = await provider.submit(sms('Bevestigd 👍', 'ref-b'));
    expect(smsc.accepted().map((r) => [r.text, r.encoding, r.to, r.clientReference])).toEqual([
      [gsm, 'GSM7', '32470123456', 'ref-a'],
      ['Bevestigd 👍', 'UCS2', '32470123456', 'ref-b'],
    ]);
    await nextReport(2);
    expect(reports).toEqual([
      expect.objectContaining({ providerId: 'smsc', providerMessageId: a, outcome: 'DELIVERED' }),
      expect.objectContaining({ providerMessageId: b, outcome: 'DELIVERED' }),
    ]);
  });

  it('maps an undeliverable receipt to FAILED with the operator error, and refusals to the right errors', async () => {
    smsc.configure({ report: 'undeliverable', reportErrorCode: '011' });
    const { providerMessageId } = await provider.submit(sms('Onbestelbaar', 'ref-c'));
    await nextReport(3);
    expect(reports[2]).toMatchObject({
      providerMessageId,
      outcome: 'FAILED',
      reason: 'sms.operator.undeliv.err-011',
    });
    smsc.configure({ mode: 'reject' });
    await expect(provider.submit(sms('Fout nummer', 'ref-d'))).rejects.toBeInstanceOf(ProviderRejectedError);
    smsc.configure({ mode: 'fail' });
    await expect(provider.submit(sms('Storing', 'ref-e'))).rejects.toBeInstanceOf(ProviderUnavailableError);
    smsc.configure({ mode: 'accept', report: 'delivered' });
  });

  it('keeps the link alive with enquire_link and rebinds after the connection drops', async () => {
    const before = smsc.enquireLinks;
    await waitFor(() => smsc.enquireLinks > before, { description: 'an enquire_link' });
    const binds = smsc.binds;
    smsc.dropConnections();
    await waitFor(() => smsc.binds > binds && provider.isBound, { description: 'a new bind after the drop' });
    await provider.submit(sms('Na herstel', 'ref-g'));
    expect(smsc.accepted().some((r) => r.text === 'Na herstel')).toBe(true);
  });

  it('refuses to submit while not bound (a refused bind), so failover can send elsewhere', async () => {
    const wrong = new SmppProvider(
      'wrong',
      smppDefaults({
        host: smsc.host,
        port: smsc.port,
        systemId: 'smis',
        password: 'nope',
        reconnectDelayMs: 60_000,
      }),
    );
    await wrong.start(async () => undefined);
    try {
      expect(wrong.isBound).toBe(false);
      await expect(wrong.submit(sms('Niet verbonden', 'ref-h'))).rejects.toBeInstanceOf(
        ProviderUnavailableError,
      );
    } finally {
      await wrong.stop();
    }
  });
});
