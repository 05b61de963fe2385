/**
 * SMS avoided and euros saved: a simulated population of addressed citizens (share with the app,
 * notification permission, delivery in the app within the fallback window), the SMS fallback of
 * those not reached, segments counted with the SMS channel's own `analyzeSms`, priced per
 * segment as the local provider configuration prices them (gateway €0.05, apps/platform/src/simulators.ts).
 * Pure computation: an exact expectation and a seeded Monte Carlo over every message.
 *
 * Flags: --messages N (default 1,000,000), --population N (11,800,000), --installations N
 * (8,500,000), --devices-per-citizen X (1.2), --notifications X (0.85), --app-delivered X (0.97),
 * --app-delivered-silent X (0.35), --price X (0.05 €/segment), --seed N.
 */
import { analyzeSms } from '@smis/sms-channel';
import type { Bench, BenchReport, Measurement, TargetCheck } from '../harness';
import { numberFlag } from '../support/measure';

/** Fallback texts as senders write them: plain Dutch (GSM 7-bit), French with ’ and €-less accents, a long one. */
export const SAMPLE_TEXTS: readonly { text: string; share: number }[] = [
  {
    text: 'Uw testresultaat is beschikbaar in de app of op www.masante.belgique.be. Code: 4821.',
    share: 0.5,
  },
  {
    text: 'Votre déclaration d’impôt est disponible. Consultez MyMinfin avant le 30/06 pour la vérifier.',
    share: 0.3,
  },
  {
    text:
      'Herinnering: uw afspraak voor de vaccinatie is op maandag 14 oktober om 10:30 in het vaccinatiecentrum ' +
      'Heizel, Paleis 12. Breng uw identiteitskaart mee. Kunt u niet komen? Verplaats uw afspraak via de app.',
    share: 0.2,
  },
];

export interface CostParameters {
  messages: number;
  population: number;
  installations: number;
  devicesPerCitizen: number;
  /** Share of installations with notifications allowed. */
  notifications: number;
  /** Share of messages to a device with notifications that the device confirms within the window. */
  appDelivered: number;
  /** The same without notifications (the citizen opens the app within the window anyway). */
  appDeliveredSilent: number;
  pricePerSegment: number;
  seed: number;
}

export interface CostResult {
  appShare: number;
  reachedInApp: number;
  smsSent: number;
  smsAvoided: number;
  segmentsPerSms: number;
  smsOnlyCost: number;
  withPlatformCost: number;
  saved: number;
}

/** The expectation of the model. */
export function expectedCost(p: CostParameters): CostResult {
  const citizensWithApp = Math.min(p.population, p.installations / p.devicesPerCitizen);
  const appShare = citizensWithApp / p.population;
  const reachedShare =
    appShare * (p.notifications * p.appDelivered + (1 - p.notifications) * p.appDeliveredSilent);
  const segmentsPerSms = SAMPLE_TEXTS.reduce((sum, t) => sum + t.share * analyzeSms(t.text).segments, 0);
  const reachedInApp = p.messages * reachedShare;
  const smsSent = p.messages - reachedInApp;
  const smsOnlyCost = p.messages * segmentsPerSms * p.pricePerSegment;
  const withPlatformCost = smsSent * segmentsPerSms * p.pricePerSegment;
  return {
    appShare,
    reachedInApp,
    smsSent,
    smsAvoided: reachedInApp,
    segmentsPerSms,
    smsOnlyCost,
    withPlatformCost,
    saved: smsOnlyCost - withPlatformCost,
  };
}

/** mulberry32: a small seeded PRNG, so runs are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every message drawn: citizen with the app? notifications? confirmed in the window? else SMS. */
export function simulateCost(p: CostParameters): CostResult {
  const random = prng(p.seed);
  const citizensWithApp = Math.min(p.population, p.installations / p.devicesPerCitizen);
  const appShare = citizensWithApp / p.population;
  const segments = SAMPLE_TEXTS.map((t) => analyzeSms(t.text).segments);
  const cumulative = SAMPLE_TEXTS.map((_, i) =>
    SAMPLE_TEXTS.slice(0, i + 1).reduce((s, t) => s + t.share, 0),
  );
  let reached = 0;
  let smsSegments = 0;
  let allSegments = 0;
  for (let i = 0; i < p.messages; i++) {
    const pick = random();
    const textSegments = segments[cumulative.findIndex((c) => pick < c)] ?? segments[segments.length - 1];
    allSegments += textSegments;
    let inApp = false;
    if (random() < appShare) {
      const delivered = random() < p.notifications ? p.appDelivered : p.appDeliveredSilent;
      inApp = random() < delivered;
    }
    if (inApp) reached++;
    else smsSegments += textSegments;
  }
  const smsSent = p.messages - reached;
  return {
    appShare,
    reachedInApp: reached,
    smsSent,
    smsAvoided: reached,
    segmentsPerSms: smsSent > 0 ? smsSegments / smsSent : 0,
    smsOnlyCost: allSegments * p.pricePerSegment,
    withPlatformCost: smsSegments * p.pricePerSegment,
    saved: (allSegments - smsSegments) * p.pricePerSegment,
  };
}

const eur = (n: number) => `€${Math.round(n).toLocaleString('en-US')}`;
const count = (n: number) => Math.round(n).toLocaleString('en-US');

export const bench: Bench = {
  name: 'cost',
  description: 'simulated population: SMS avoided and euros saved by the app channel (analyzeSms segments)',
  async run(context): Promise<BenchReport> {
    const p: CostParameters = {
      messages: numberFlag('messages', 1_000_000),
      population: numberFlag('population', 11_800_000),
      installations: numberFlag('installations', 8_500_000),
      devicesPerCitizen: numberFlag('devices-per-citizen', 1.2),
      notifications: numberFlag('notifications', 0.85),
      appDelivered: numberFlag('app-delivered', 0.97),
      appDeliveredSilent: numberFlag('app-delivered-silent', 0.35),
      pricePerSegment: numberFlag('price', 0.05),
      seed: numberFlag('seed', 20_251_121),
    };
    for (const [name, value] of Object.entries(p))
      if (['notifications', 'appDelivered', 'appDeliveredSilent'].includes(name) && value > 1)
        throw new Error(`--${name} is a share between 0 and 1`);
    const expected = expectedCost(p);
    const started = performance.now();
    const simulated = simulateCost(p);
    const ms = performance.now() - started;
    context.log(`simulated ${count(p.messages)} messages in ${ms.toFixed(0)} ms`);
    const texts = SAMPLE_TEXTS.map((t) => ({ share: t.share, ...analyzeSms(t.text), text: t.text }));
    const row = (name: string, value: number, unit: string, note: string): Measurement => ({
      name,
      unit,
      median: value,
      min: value,
      max: value,
      runs: [value],
      coresUsed: 1,
      note,
    });
    const measurements = [
      row(
        'SMS avoided (simulated)',
        simulated.smsAvoided,
        'messages',
        `expected ${count(expected.smsAvoided)}`,
      ),
      row(
        'SMS sent as fallback (simulated)',
        simulated.smsSent,
        'messages',
        `expected ${count(expected.smsSent)}`,
      ),
      row('euros saved (simulated)', simulated.saved, 'EUR', `expected ${eur(expected.saved)}`),
      row(
        'cost, SMS only',
        simulated.smsOnlyCost,
        'EUR',
        `${expected.segmentsPerSms.toFixed(2)} segments/SMS`,
      ),
      row('cost, app first + SMS fallback', simulated.withPlatformCost, 'EUR', ''),
    ];
    const targets: TargetCheck[] = [
      {
        target: 'simulation agrees with the expectation within 0.5%',
        measured: `${count(simulated.smsAvoided)} vs ${count(expected.smsAvoided)} SMS avoided`,
        met: Math.abs(simulated.smsAvoided - expected.smsAvoided) <= 0.005 * p.messages,
      },
    ];
    const notes = [
      `population ${count(p.population)}, ${count(p.installations)} installations at ${p.devicesPerCitizen} per citizen → ${(expected.appShare * 100).toFixed(1)}% of addressed citizens have the app`,
      `notifications allowed on ${(p.notifications * 100).toFixed(0)}%; confirmed in the window ${(p.appDelivered * 100).toFixed(0)}% with, ${(p.appDeliveredSilent * 100).toFixed(0)}% without notifications`,
      `fallback texts: ${texts.map((t) => `${(t.share * 100).toFixed(0)}% ${t.encoding} ${t.segments} segment(s)`).join('; ')}; €${p.pricePerSegment}/segment`,
      `not counted: one enrolment OTP SMS per installation (${eur(p.installations * p.pricePerSegment)} one-off at this price), push provider costs (zero for FCM/APNs), platform running costs`,
    ];
    return {
      measurements,
      targets,
      notes,
      details: { parameters: p, expected, simulated, texts },
    } as BenchReport;
  },
};
