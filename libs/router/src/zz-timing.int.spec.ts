import 'reflect-metadata';
import { createAvroCodec, type MessageRequest } from '@smis/contracts';
import { Outbox, openServiceDataSource } from '@smis/persistence';
import { createDomainDecryptor, type PseudonymDomain } from '@smis/pseudonym';
import { testDatabaseUrl, uniqueName } from '@smis/testing';
import { it } from 'vitest';
import { validateRouterConfig } from './config';
import { polymorphicFromWire } from './domain/wire';
import { ROUTER_ENTITIES } from './entities';
import { RouterMetrics } from './metrics';
import { ROUTER_MIGRATIONS } from './migrations';
import { PlanExecutor } from './plan/plan-executor';
import { generateKeyring, inProcessTranscryption, newCitizen, newSender, registryOf, RequestFactory, routerDomainKey } from './testing/harness';
import { TimerAlarm } from './timers/timer-alarm';
import { AcceptRequestCommand } from './usecases/accept-requests/accept-request.command';
import { AcceptRequestUseCase, domainsFor } from './usecases/accept-requests/accept-request.usecase';

it('timing', async () => {
  const keyring = generateKeyring();
  const transcription = inProcessTranscryption(keyring);
  const sender = newSender('t');
  const senders = registryOf([sender]);
  const config = validateRouterConfig({ databaseUrl: 'postgres://x', routerDomainKey: routerDomainKey(keyring) });
  const codec = createAvroCodec();
  const schema = uniqueName('router_timing').replace(/-/g, '_');
  const ds = await openServiceDataSource({ databaseUrl: testDatabaseUrl(), schema, entities: ROUTER_ENTITIES, migrations: ROUTER_MIGRATIONS, applicationName: 'x' });
  const uc = new AcceptRequestUseCase({ ...config, schema }, { transcryption: transcription, senders }, ds, new Outbox(ds), codec, createDomainDecryptor(config.routerDomainKey), new PlanExecutor(config, codec), new RouterMetrics(), new TimerAlarm());
  const f = new RequestFactory(keyring, sender);
  const citizens = Array.from({ length: 200 }, newCitizen);
  const reqs: MessageRequest[] = Array.from({ length: 2000 }, (_, i) => f.build({ citizen: citizens[i % 200], now: Date.now(), contentBytes: 1024 }));
  const t0 = performance.now();
  const recipients = reqs.map(() => ({}) as Record<string, unknown>);
  const byDomain = new Map<PseudonymDomain, number[]>();
  reqs.forEach((r, i) => { for (const d of domainsFor(r)) byDomain.set(d, [...(byDomain.get(d) ?? []), i]); });
  for (const [domain, idx] of byDomain) {
    const out = await transcription.transcrypt(idx.map((i) => polymorphicFromWire(reqs[i].recipient)), domain);
    idx.forEach((i, k) => (recipients[i][domain] = out[k]));
  }
  const t1 = performance.now();
  const cmds = reqs.map((r, i) => AcceptRequestCommand.create(r, senders.get(r.senderId)!, recipients[i] as never));
  for (const size of [1, 200]) {
    const slice = size === 1 ? cmds.slice(0, 200) : cmds.slice(200, 2000);
    const s = performance.now();
    const kinds: Record<string, number> = {};
    for (let i = 0; i < slice.length; i += size) for (const o of await uc.executeBatch(slice.slice(i, i + size))) kinds[`${o.kind} ${o.reason ?? ''}`] = (kinds[`${o.kind} ${o.reason ?? ''}`] ?? 0) + 1;
    console.log(JSON.stringify(kinds));
    const e = performance.now();
    console.log(`batch ${size}: ${slice.length} in ${(e - s).toFixed(0)} ms = ${((slice.length * 1000) / (e - s)).toFixed(0)}/s`);
  }
  console.log(`transcrypt 4 domains x 2000: ${(t1 - t0).toFixed(0)} ms`);
  await ds.destroy();
}, 300_000);
