import 'reflect-metadata';
import { createAvroCodec, type DeliveryEvent, type MessageRequest } from '@smis/contracts';
import { Outbox, openServiceDataSource } from '@smis/persistence';
import { createDomainDecryptor } from '@smis/pseudonym';
import { testDatabaseUrl, uniqueName } from '@smis/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { validateRouterConfig } from '../../config';
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
import { AcceptRequestUseCase } from '../accept-requests/accept-request.usecase';
import { ApplyDeliveryEventCommand } from '../apply-delivery-event/apply-delivery-event.command';
import { ApplyDeliveryEventUseCase } from '../apply-delivery-event/apply-delivery-event.usecase';
import { FireTimersCommand } from './fire-timers.command';
import { FireTimersUseCase } from './fire-timers.usecase';

/**
 * Timers are fired set-wise (one statement per step for a whole round) and events applied the
 * same way: whatever the round size, the messages, timers and outbox records must be those of
 * firing one timer at a time, and each timer's effect must be what the plan says: fall back,
 * expire, release, or nothing for a message already settled.
 */
describe('FireTimersUseCase and ApplyDeliveryEventUseCase, set-wise (real PostgreSQL)', () => {
  const keyring = generateKeyring();
  const transcription = inProcessTranscryption(keyring);
  const now = Date.UTC(2026, 0, 15, 10, 0); // 11:00 in Brussels, a Thursday
  const plain = newSender('plain');
  const quiet = newSender('quiet', { quietHours: { start: '11:00', end: '11:30' } });
  const senders = registryOf([plain, quiet]);
  const config = validateRouterConfig({
    databaseUrl: 'postgres://unused',
    routerDomainKey: routerDomainKey(keyring),
  });
  const codec = createAvroCodec();
  const sources: DataSource[] = [];
  const factories = new Map([plain, quiet].map((s) => [s, new RequestFactory(keyring, s)]));
  const build = (sender: typeof plain, options: Partial<RequestOptions>): MessageRequest =>
    (factories.get(sender) as RequestFactory).build({ citizen: newCitizen(), now, ...options });

  afterAll(async () => {
    await Promise.all(sources.map((ds) => ds.destroy()));
  });

  // Fallback windows of 30 s unless said otherwise.
  const requests = {
    waiting: build(plain, { fallbackWindowSeconds: 30 }),
    waitingToo: build(plain, { fallbackWindowSeconds: 30, allowedChannels: ['APP', 'EMAIL'] }),
    expiring: build(plain, { fallbackWindowSeconds: 60, expiresInMs: 20_000 }),
    confirmed: build(plain, { fallbackWindowSeconds: 30 }),
    failed: build(plain, { fallbackWindowSeconds: 30 }),
    appOnly: build(plain, { fallbackWindowSeconds: 30, allowedChannels: ['APP'] }),
    deferred: build(quiet, { fallbackWindowSeconds: 30 }),
  };
  const releaseAt = now + 30 * 60_000; // the end of the quiet hours

  function appEvent(request: MessageRequest, status: 'DELIVERED' | 'FAILED', at: number): DeliveryEvent {
    return {
      eventId: randomUUID(),
      messageId: request.messageId,
      senderId: request.senderId,
      status,
      channel: 'APP',
      reason: status === 'FAILED' ? 'app.no-device' : null,
      fromChannel: null,
      toChannel: null,
      deviceId: null,
      planId: null,
      attempt: 1,
      occurredAt: at,
      producer: 'app-channel',
    };
  }

  /** The whole scenario, firing at most `limit` timers per round; returns what it left. */
  async function scenario(limit: number) {
    const schema = uniqueName('router_fire').replace(/-/g, '_');
    let clock = now;
    const ds = await openServiceDataSource({
      databaseUrl: testDatabaseUrl(),
      schema,
      entities: ROUTER_ENTITIES,
      migrations: ROUTER_MIGRATIONS,
      applicationName: 'router-fire-it',
    });
    sources.push(ds);
    const outbox = new Outbox(ds);
    const plan = new PlanExecutor({ ...config, schema }, codec);
    const ports = { transcryption: transcription, senders, clock: () => clock };
    const accept = new AcceptRequestUseCase(
      { ...config, schema },
      ports,
      ds,
      outbox,
      codec,
      createDomainDecryptor(config.routerDomainKey),
      plan,
      new RouterMetrics(),
      new TimerAlarm(),
    );
    const apply = new ApplyDeliveryEventUseCase(
      ports,
      ds,
      outbox,
      plan,
      new RouterMetrics(),
      new TimerAlarm(),
    );
    const fire = new FireTimersUseCase(ds, outbox, plan, new RouterMetrics(), new TimerAlarm());
    const fireAll = async (at: number): Promise<number> => {
      let fired = 0;
      for (;;) {
        const n = await fire.execute(FireTimersCommand.create(at, limit));
        fired += n;
        if (n < limit) return fired;
      }
    };

    const accepted = await accept.executeBatch(
      await acceptCommandsFor(Object.values(requests), transcription, senders),
    );
    expect(accepted.map((o) => o.kind)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'deferred',
    ]);
    clock = now + 10_000;
    const effects = await apply.executeBatch([
      ApplyDeliveryEventCommand.create(appEvent(requests.confirmed, 'DELIVERED', clock)),
      ApplyDeliveryEventCommand.create(appEvent(requests.failed, 'FAILED', clock)),
    ]);
    expect(effects).toEqual(['confirmed', 'fallback']);
    const firedAt31 = await fireAll(now + 31_000); // waiting, waitingToo, expiring
    const firedEarly = await fireAll(releaseAt - 1); // nothing due
    const firedAtRelease = await fireAll(releaseAt); // deferred: its plan starts
    const timersAfterRelease = await ds.query(
      `SELECT "kind", "due_at", "attempt" FROM "${schema}"."timer" ORDER BY "message_id"`,
    );
    const firedAfterRelease = await fireAll(releaseAt + 30_000); // deferred: falls back
    return {
      fired: [firedAt31, firedEarly, firedAtRelease, firedAfterRelease],
      timersAfterRelease,
      state: await snapshot(ds, schema),
    };
  }

  async function snapshot(ds: DataSource, schema: string) {
    const s = `"${schema}"`;
    const messages = (await ds.query(
      `SELECT "message_id", "state", "outcome", "step", "attempt", "app_confirmed", "delivered_at", "updated_at",
              "envelope" IS NULL AND "sms_payload" IS NULL AND "email_payload" IS NULL AND "app_recipient" IS NULL
                AND "sms_recipient" IS NULL AND "email_recipient" IS NULL AS erased,
              "envelope" IS NOT NULL AS has_envelope
       FROM ${s}."message" ORDER BY "message_id"`,
    )) as { message_id: string }[];
    const timers = await ds.query(`SELECT * FROM ${s}."timer" ORDER BY "message_id", "kind"`);
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
          `${e.messageId} ${e.status} ${e.reason} ${e.channel} ${e.attempt} ${e.toChannel} ${e.occurredAt}`,
        );
      } else {
        records.push(`${r.key} job ${r.topic}`);
      }
    }
    const byId = Object.fromEntries(messages.map((m) => [m.message_id, m]));
    return { messages: byId, timers, records };
  }

  it('fires a round as one timer after another would, and leaves each message where its plan says', async () => {
    const oneByOne = await scenario(1);
    const setWise = await scenario(100);
    expect(setWise).toEqual(oneByOne);

    const { state, fired, timersAfterRelease } = setWise;
    expect(fired).toEqual([3, 0, 1, 1]);
    const row = (r: MessageRequest) => state.messages[r.messageId];
    const eventsOf = (r: MessageRequest) =>
      state.records
        .filter((line) => line.startsWith(r.messageId))
        .map((line) => line.split(' ').slice(1).join(' '));
    const at = (ms: number) => String(ms);

    // Silent app past the window: the next channel, attempt 2, payloads kept for it, no timer.
    expect(row(requests.waiting)).toMatchObject({ state: 'ACTIVE', step: 1, attempt: 2, erased: false });
    expect(eventsOf(requests.waiting)).toEqual([
      `ACCEPTED null null null null ${at(now)}`,
      `job ${config.topics.appChannel}`,
      `ROUTED null APP 1 null ${at(now)}`,
      `FALLBACK app.not-delivered-in-window null null SMS ${at(now + 31_000)}`,
      `job ${config.topics.smsChannel}`,
      `ROUTED null SMS 2 null ${at(now + 31_000)}`,
    ]);
    expect(eventsOf(requests.waitingToo).slice(-3)).toEqual([
      `FALLBACK app.not-delivered-in-window null null EMAIL ${at(now + 31_000)}`,
      `job ${config.topics.emailChannel}`,
      `ROUTED null EMAIL 2 null ${at(now + 31_000)}`,
    ]);
    // Its window ran past the expiry: EXPIRED, everything erased.
    expect(row(requests.expiring)).toMatchObject({ state: 'DONE', outcome: 'EXPIRED', erased: true });
    expect(eventsOf(requests.expiring).slice(-1)).toEqual([
      `EXPIRED message.expired null null null ${at(now + 31_000)}`,
    ]);
    // Confirmed by the app: done, erased, its timer gone, nothing after.
    expect(row(requests.confirmed)).toMatchObject({
      state: 'DONE',
      outcome: 'DELIVERED',
      app_confirmed: true,
      delivered_at: String(now + 10_000),
      erased: true,
    });
    expect(eventsOf(requests.confirmed)).toHaveLength(3);
    // The app failed: SMS at once, its fallback timer cleared (the round at +31 s did not fire it).
    expect(row(requests.failed)).toMatchObject({ state: 'ACTIVE', step: 1, attempt: 2 });
    expect(eventsOf(requests.failed).slice(-3)).toEqual([
      `FALLBACK app.no-device null null SMS ${at(now + 10_000)}`,
      `job ${config.topics.smsChannel}`,
      `ROUTED null SMS 2 null ${at(now + 10_000)}`,
    ]);
    // APP only: no timer was ever set, the app job is all.
    expect(row(requests.appOnly)).toMatchObject({ state: 'ACTIVE', step: 0, attempt: 1 });
    // Deferred: released at the end of the quiet hours with a fresh fallback timer, then SMS.
    expect(timersAfterRelease).toEqual([
      { kind: 'fallback', due_at: String(releaseAt + 30_000), attempt: 1 },
    ]);
    expect(row(requests.deferred)).toMatchObject({ state: 'ACTIVE', step: 1, attempt: 2 });
    expect(eventsOf(requests.deferred).slice(-5)).toEqual([
      `job ${config.topics.appChannel}`,
      `ROUTED null APP 1 null ${at(releaseAt)}`,
      `FALLBACK app.not-delivered-in-window null null SMS ${at(releaseAt + 30_000)}`,
      `job ${config.topics.smsChannel}`,
      `ROUTED null SMS 2 null ${at(releaseAt + 30_000)}`,
    ]);
    expect(state.timers).toEqual([]);
  });
});
