import 'reflect-metadata';
import { createAvroCodec, type MessageRequest } from '@smis/contracts';
import { Outbox, openServiceDataSource } from '@smis/persistence';
import { createDomainDecryptor } from '@smis/pseudonym';
import { testDatabaseUrl, uniqueName } from '@smis/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRouterConfig } from '../../config';
import { polymorphicFromWire } from '../../domain/wire';
import { ROUTER_ENTITIES } from '../../entities';
import { RouterMetrics } from '../../metrics';
import { ROUTER_MIGRATIONS } from '../../migrations';
import { PlanExecutor } from '../../plan/plan-executor';
import {
  acceptCommandsFor,
  generateKeyring,
  inProcessTranscryption,
  newCitizen,
  newSender,
  registryOf,
  RequestFactory,
  routerDomainKey,
  type RequestOptions,
} from '../../testing/harness';
import { TimerAlarm } from '../../timers/timer-alarm';
import { AcceptRequestCommand, type AcceptOutcome } from './accept-request.command';
import { AcceptRequestUseCase } from './accept-request.usecase';

/**
 * The set-based decision of a batch must be exactly the decisions made one request at a time:
 * the same outcomes, rows, timers, counters and outbox records, whether the batch's requests
 * conflict with each other (caps, duplicates, idempotency keys, rate, quota) or with what earlier
 * batches left in the database.
 */
describe('AcceptRequestUseCase.executeBatch (real PostgreSQL)', () => {
  const keyring = generateKeyring();
  const transcription = inProcessTranscryption(keyring);
  const now = Date.UTC(2026, 0, 15, 11, 0); // noon in Brussels, a Thursday
  const plain = newSender('plain');
  const capped = newSender('capped', {
    citizenCaps: [{ category: 'tax', max: 2, periodHours: 24 }],
    ratePerSecond: 2,
  });
  const quota = newSender('quota', { dailyQuota: 3 });
  const quiet = newSender('quiet', { quietHours: { start: '11:00', end: '14:00' } });
  const senders = registryOf([plain, capped, quota, quiet]);
  const config = validateRouterConfig({
    databaseUrl: 'postgres://unused',
    routerDomainKey: routerDomainKey(keyring),
    maxRateDelaySeconds: 1,
  });
  const decryptor = createDomainDecryptor(config.routerDomainKey);
  const codec = createAvroCodec();
  const sources: DataSource[] = [];

  async function useCaseOn(
    schema: string,
    clock: () => number = () => now,
  ): Promise<{ useCase: AcceptRequestUseCase; ds: DataSource }> {
    const ds = await openServiceDataSource({
      databaseUrl: testDatabaseUrl(),
      schema,
      entities: ROUTER_ENTITIES,
      migrations: ROUTER_MIGRATIONS,
      applicationName: 'router-batch-it',
    });
    sources.push(ds);
    const useCase = new AcceptRequestUseCase(
      { ...config, schema },
      { transcryption: transcription, senders, clock },
      ds,
      new Outbox(ds),
      codec,
      decryptor,
      new PlanExecutor(config, codec),
      new RouterMetrics(),
      new TimerAlarm(),
    );
    return { useCase, ds };
  }

  const commandsFor = (requests: MessageRequest[]) => acceptCommandsFor(requests, transcription, senders);

  // The scenario: two phases (batches), each with conflicts inside and with the phase before.
  const citizens = Array.from({ length: 8 }, newCitizen);
  const muted = newCitizen();
  const factories = new Map([plain, capped, quota, quiet].map((s) => [s, new RequestFactory(keyring, s)]));
  const build = (sender: typeof plain, options: Partial<RequestOptions>) =>
    (factories.get(sender) as RequestFactory).build({ citizen: citizens[0], now, ...options });

  const phase1: MessageRequest[] = [];
  const phase2: MessageRequest[] = [];
  {
    const first = build(plain, { citizen: citizens[0], content: 'hello', idempotencyKey: 'k-1' });
    phase1.push(
      first,
      build(plain, { citizen: citizens[1], idempotencyKey: 'k-1' }), // same key, same batch
      build(plain, { citizen: citizens[0], content: 'hello' }), // same content, same citizen
      build(plain, { citizen: citizens[1], content: 'hello' }), // same content, other citizen: fine
      { ...build(plain, { citizen: citizens[2] }), recipient: Buffer.alloc(64, 7) }, // unreadable
      build(plain, { citizen: citizens[2], category: 'sport' }), // category not allowed
      { ...build(plain, { citizen: citizens[2], allowedChannels: ['APP'] }), envelope: Buffer.alloc(0) },
      build(plain, { citizen: muted, category: 'tax' }), // muted
      build(plain, { citizen: muted, category: 'alert' }), // mandatory: not muted, preferred order
      build(capped, { citizen: citizens[3], category: 'tax' }),
      build(capped, { citizen: citizens[3], category: 'tax' }),
      build(capped, { citizen: citizens[3], category: 'tax' }), // third in 24 h: cap
      build(capped, { citizen: citizens[4], category: 'tax' }), // over the rate: deferred
      build(quota, { citizen: citizens[5] }),
      build(quota, { citizen: citizens[6] }),
      build(quiet, { citizen: citizens[5] }), // quiet hours: deferred
      build(quiet, { citizen: citizens[6], priority: 'URGENT' }), // urgent: now
      first, // the same message again, in the same batch
      build(plain, { citizen: citizens[7], expiresInMs: -1 }), // expired: dead letter, ends the batch
      build(plain, { citizen: citizens[7], fallbackWindowSeconds: 30 }),
    );
    phase2.push(
      first, // known from phase 1
      build(plain, { citizen: citizens[2], idempotencyKey: 'k-1' }), // key live since phase 1
      build(plain, { citizen: citizens[0], content: 'hello' }), // content seen in phase 1
      build(capped, { citizen: citizens[3], category: 'tax' }), // cap counted from phase 1
      build(capped, { citizen: citizens[5], category: 'tax' }), // rate: deferred by 1 s
      build(capped, { citizen: citizens[6], category: 'tax' }), // rate: over 1 s, rejected
      build(quota, { citizen: citizens[7] }), // third of the day
      build(quota, { citizen: citizens[0] }), // fourth: quota
      build(plain, { citizen: citizens[6], now: now + 3_600_000 }), // future-dated: dead letter
      build(plain, { citizen: citizens[6] }),
    );
  }

  let commands1: AcceptRequestCommand[];
  let commands2: AcceptRequestCommand[];

  beforeAll(async () => {
    commands1 = await commandsFor(phase1);
    commands2 = await commandsFor(phase2);
  });

  afterAll(async () => {
    await Promise.all(sources.map((ds) => ds.destroy()));
  });

  /** Runs commands as the requests handler does: a batch, and again from after a dead letter. */
  async function run(
    useCase: AcceptRequestUseCase,
    commands: readonly AcceptRequestCommand[],
    batchSize: number,
  ): Promise<AcceptOutcome[]> {
    const outcomes: AcceptOutcome[] = [];
    while (outcomes.length < commands.length) {
      const batch = commands.slice(outcomes.length, outcomes.length + batchSize);
      const decided = await useCase.executeBatch(batch);
      expect(decided.length).toBeGreaterThan(0);
      outcomes.push(...decided);
    }
    return outcomes;
  }

  async function mute(ds: DataSource, schema: string): Promise<void> {
    const [outcome] = await transcription.transcrypt(
      [polymorphicFromWire((factories.get(plain) as RequestFactory).polymorphic(muted))],
      'router',
    );
    if (!outcome.ok) throw new Error('transcryption failed');
    await ds.query(
      `INSERT INTO "${schema}"."preference" ("recipient", "source_key", "channel_order", "muted_senders", "muted_categories", "updated_at")
       VALUES ($1, 'device-x', $2, $3, '{}', $4)`,
      [decryptor.decrypt(outcome.value), ['EMAIL', 'SMS'], [plain.senderId], now],
    );
  }

  /** Everything the decisions wrote, without the random plan and event ids. */
  async function snapshot(ds: DataSource, schema: string) {
    const s = `"${schema}"`;
    const messages = await ds.query(
      `SELECT "message_id", "sender_id", "idempotency_key", "duplicate_of", "recipient", "category", "decision",
              "reason", "state", "outcome", "channels", "step", "attempt", "expires_at", "fallback_window_s",
              encode("app_recipient", 'hex') AS app, encode("sms_recipient", 'hex') AS sms,
              encode("email_recipient", 'hex') AS email, length("envelope") AS envelope
       FROM ${s}."message" ORDER BY "message_id"`,
    );
    const timers = await ds.query(
      `SELECT "message_id", "kind", "due_at", "attempt" FROM ${s}."timer" ORDER BY "message_id", "kind"`,
    );
    const rates = await ds.query(`SELECT "sender_id", "tat" FROM ${s}."sender_rate" ORDER BY "sender_id"`);
    const days = await ds.query(
      `SELECT "sender_id", "day", "count" FROM ${s}."sender_day" ORDER BY "sender_id"`,
    );
    const outbox = (await ds.query(`SELECT "topic", "key", "value" FROM ${s}."outbox" ORDER BY "id"`)) as {
      topic: string;
      key: string;
      value: Buffer;
    }[];
    const records: string[] = [];
    for (const r of outbox) {
      if (r.topic === config.topics.events) {
        const e = await codec.decode('DeliveryEvent', r.value);
        records.push(
          `event ${e.messageId} ${e.status} ${e.reason} ${e.channel} ${e.attempt} ${e.fromChannel} ${e.toChannel}`,
        );
      } else {
        records.push(`job ${r.topic} ${r.key} ${r.value.length}`);
      }
    }
    return { messages, timers, rates, days, records: records.sort() };
  }

  it('decides a batch exactly as one request after another, within the batch and across batches', async () => {
    const modes = [
      { name: 'one at a time', batchSize: 1 },
      { name: 'whole batches', batchSize: 1_000 },
      { name: 'batches of 3', batchSize: 3 },
    ];
    const results = [];
    for (const mode of modes) {
      const schema = uniqueName('router_batch').replace(/-/g, '_');
      const { useCase, ds } = await useCaseOn(schema);
      await mute(ds, schema);
      const outcomes1 = await run(useCase, commands1, mode.batchSize);
      const outcomes2 = await run(useCase, commands2, mode.batchSize);
      results.push({
        mode: mode.name,
        outcomes: [...outcomes1, ...outcomes2],
        state: await snapshot(ds, schema),
      });
    }

    // The reference run decided what the code of conduct says.
    const kinds = results[0].outcomes.map((o) =>
      [o.kind, o.reason ?? '', o.deadLetter ?? ''].join(' ').trim(),
    );
    expect(kinds).toEqual([
      'accepted',
      'duplicate request.duplicate-idempotency-key',
      'rejected policy.duplicate-content',
      'accepted',
      'rejected request.invalid-recipient',
      'rejected policy.category-not-allowed',
      'rejected request.no-channel',
      'rejected citizen.muted',
      'accepted',
      'accepted',
      'accepted',
      'rejected policy.citizen-cap',
      'deferred policy.rate',
      'accepted',
      'accepted',
      'deferred policy.quiet-hours',
      'accepted',
      'already-known',
      'rejected request.expired request.expired',
      'accepted',
      // phase 2
      'already-known',
      'duplicate request.duplicate-idempotency-key',
      'rejected policy.duplicate-content',
      'rejected policy.citizen-cap',
      'deferred policy.rate',
      'rejected policy.rate',
      'accepted',
      'rejected policy.daily-quota',
      'rejected request.future-dated request.future-dated',
      'accepted',
    ]);
    const reference = results[0].state;
    expect(reference.messages).toHaveLength(28); // 30 requests, two of them already known
    expect(reference.timers.map((t: { kind: string }) => t.kind)).toContain('release');
    expect(reference.timers.map((t: { kind: string }) => t.kind)).toContain('fallback');
    // Counted per sender: the accepted and deferred ones.
    expect(
      Object.fromEntries(
        reference.days.map((d: { sender_id: string; count: number }) => [d.sender_id, d.count]),
      ),
    ).toEqual({ [plain.senderId]: 5, [capped.senderId]: 4, [quota.senderId]: 3, [quiet.senderId]: 2 });
    const alert = reference.messages.find(
      (m: { category: string; decision: string; recipient: string }) => m.category === 'alert',
    );
    expect(alert.channels).toEqual(['APP', 'EMAIL', 'SMS']);

    for (const other of results.slice(1)) {
      expect({ mode: other.mode, outcomes: other.outcomes }).toEqual({
        mode: other.mode,
        outcomes: results[0].outcomes,
      });
      expect({ mode: other.mode, ...other.state }).toEqual({ mode: other.mode, ...reference });
    }
  });

  it('judges the rate when the sender is locked, not when the batch began', async () => {
    // A batch that began at `now` waited for the sender's row while a batch that began 1.5 s
    // later took it and moved the rate state there; this batch gets the row at now + 2 s.
    const schema = uniqueName('router_batch').replace(/-/g, '_');
    let calls = 0;
    const { useCase, ds } = await useCaseOn(schema, () => (calls++ === 0 ? now : now + 2_000));
    await ds.query(`INSERT INTO "${schema}"."sender_rate" ("sender_id", "tat") VALUES ($1, $2)`, [
      plain.senderId,
      now + 1_500,
    ]);
    const [command] = await commandsFor([build(plain, { citizen: citizens[0] })]);
    const [outcome] = await useCase.executeBatch([command]);
    expect(outcome).toEqual({ kind: 'accepted' });
    const [{ tat }] = await ds.query(`SELECT "tat" FROM "${schema}"."sender_rate" WHERE "sender_id" = $1`, [
      plain.senderId,
    ]);
    expect(tat).toBeCloseTo(now + 2_000 + 0.1, 3); // from the instant of the lock, one interval on
  });
});
