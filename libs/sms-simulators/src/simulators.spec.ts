import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpSmsGatewaySimulator, type HttpSmsGatewaySimulator } from './http-sms-gateway.simulator';
import { parseSimpleEmail } from './smtp-capture.server';

describe('HTTP SMS gateway simulator', () => {
  let sim: HttpSmsGatewaySimulator;
  const auth = () => `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}`;
  const submit = (body: unknown, authorization = auth()) =>
    fetch(`${sim.url}/v1/sms`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    sim = await startHttpSmsGatewaySimulator({ behaviour: { report: 'none' } });
  });
  afterAll(() => sim.close());

  it('accepts, remembers client references, answers lookups, and exposes what it received', async () => {
    const sms = { from: 'SMIS', to: '+32470000001', text: 'code 1', clientReference: 'r-1' };
    expect((await submit(sms, 'Basic bad')).status).toBe(401);
    const first = await submit(sms);
    expect(first.status).toBe(202);
    const { messageId } = (await first.json()) as { messageId: string };
    const again = await submit(sms);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ messageId });
    const lookup = await fetch(`${sim.url}/v1/sms?clientReference=r-1`, {
      headers: { authorization: auth() },
    });
    expect(await lookup.json()).toMatchObject({ messageId });
    expect(
      (await fetch(`${sim.url}/v1/sms?clientReference=nope`, { headers: { authorization: auth() } })).status,
    ).toBe(404);
    const listed = (await (
      await fetch(`${sim.url}/_simulator/messages?to=%2B32470000001`)
    ).json()) as unknown[];
    expect(listed).toEqual([expect.objectContaining({ text: 'code 1', outcome: 'accepted' })]);
    // The 409 sent nothing again, but the attempt is on record, as are both lookups.
    expect(sim.received.filter((r) => r.clientReference === 'r-1')).toHaveLength(1);
    expect(sim.submissionAttempts.filter((a) => a.clientReference === 'r-1')).toEqual([
      expect.objectContaining({ outcome: 'accepted', providerMessageId: messageId }),
      expect.objectContaining({ outcome: 'duplicate', providerMessageId: messageId, text: 'code 1' }),
    ]);
    expect(sim.duplicateSubmissions()).toEqual([expect.objectContaining({ clientReference: 'r-1' })]);
    expect(sim.lookups).toEqual([
      expect.objectContaining({ clientReference: 'r-1', found: true }),
      expect.objectContaining({ clientReference: 'nope', found: false }),
    ]);
  });

  it('fails and rejects on demand', async () => {
    sim.configure({ mode: 'fail' });
    expect(
      (await submit({ from: 'SMIS', to: '+32470000002', text: 'x', clientReference: 'r-2' })).status,
    ).toBe(503);
    sim.configure({ mode: 'reject' });
    expect(
      (await submit({ from: 'SMIS', to: '+32470000002', text: 'x', clientReference: 'r-3' })).status,
    ).toBe(400);
    expect(sim.received.slice(-2).map((r) => r.outcome)).toEqual(['failed', 'rejected']);
    expect(sim.submissionAttempts.slice(-2).map((a) => a.outcome)).toEqual(['failed', 'rejected']);
    sim.configure({ mode: 'accept' });
    sim.reset();
    expect([sim.received, sim.submissionAttempts, sim.lookups]).toEqual([[], [], []]);
  });
});

describe('simple e-mail parsing of the capture server', () => {
  it('decodes quoted-printable bodies and encoded-word subjects', () => {
    const raw =
      'Subject: =?UTF-8?Q?Uw_aanslag_=E2=80=93_2026?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=89=C3=A9n klik=\r\n en klaar\r\n';
    expect(parseSimpleEmail(raw)).toMatchObject({ subject: 'Uw aanslag – 2026', text: 'Één klik en klaar' });
  });
});
