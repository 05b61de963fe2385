/**
 * `broadcast` bench: the broadcast fan-out pipeline of @smis/broadcast (keyset pages → per-provider
 * token buckets → bounded concurrency → push), measured
 *  1. on a streamed synthetic source of 8.5 million installations (the pipeline alone), and
 *  2. on a real PostgreSQL sample: devices in the app channel's own tables, paged by the app
 *     channel's BroadcastDeliveryService.devicePage (the query production runs).
 * Each push is the production one: `BroadcastDeliveryService.push` (the BroadcastDeliveryPort the
 * broadcast service's fan-out calls) → sendWithRetry → the app channel's FCM HTTP v1, APNs and
 * Web Push providers, which build every request (OAuth bearer + JSON; ES256 provider token,
 * headers + payload; VAPID JWT + RFC 8291 aes128gcm encryption) and hand it to a null transport
 * that answers success at once (support/null-push.ts): what the platform does per push, without
 * the network. Rate limits are lifted to find the platform's ceiling; the target compares it with
 * the FCM quota (600,000 messages per minute per project = 10,000/s).
 */
import {
  APP_CHANNEL_ENTITIES,
  APP_CHANNEL_MIGRATIONS,
  AppChannelStore,
  BroadcastDeliveryService,
  validateAppChannelConfig,
  type AppChannelConfig,
  type PushProvider,
  type PushProviderKind,
} from '@smis/app-channel';
import { BROADCAST_DEFAULTS, fanOut, keysetPages, type PushRequest, type PushTarget } from '@smis/broadcast';
import { generateKeyring } from '@smis/keyring';
import { openServiceDataSource } from '@smis/persistence';
import { createDomainDecryptor, type DomainKeyConfig } from '@smis/pseudonym';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import type { Bench, BenchContext, BenchReport, Measurement, TargetCheck } from '../harness';
import { measureAsync, median } from '../harness';
import { sampleLoad } from '../support/measure';
import {
  benchPushCredentials,
  nullPushProviders,
  SubscriptionPool,
  type NullPush,
} from '../support/null-push';

const FCM_QUOTA_PER_SECOND = 600_000 / 60;
const GOAL_PER_SECOND = 20_000;
const INSTALLATIONS = 8_500_000;
const QUICK_INSTALLATIONS = 850_000;
const DB_SAMPLE = 200_000;
const QUICK_DB_SAMPLE = 40_000;
/** The broadcast service's defaults: devices per page, pushes in flight. */
const PAGE = BROADCAST_DEFAULTS.fanOut.pageSize;
const CONCURRENCY = BROADCAST_DEFAULTS.fanOut.concurrency;
const DEFAULT_RATES = BROADCAST_DEFAULTS.fanOut.ratesPerSecond;
const UNLIMITED = { fcm: 1e9, apns: 1e9, webpush: 1e9 };
/** Web Push subscriptions share this many key pairs (the encryption's cost does not depend on which). */
const SUBSCRIPTION_KEYS = 256;
/** Provider mix of the synthetic installations (Belgian smartphone market, roughly): Android, iOS, browsers. */
const MIX: readonly [PushTarget['provider'], number][] = [
  ['fcm', 0.7],
  ['apns', 0.27],
  ['webpush', 0.03],
];
const LABEL: Record<PushProviderKind, string> = { fcm: 'FCM HTTP v1', apns: 'APNs', webpush: 'Web Push' };
/** An FCM registration token is ~160 characters: the device id and a fixed filler. */
const FCM_FILLER = 'APA91b' + 'x'.repeat(140);

const NAMES = {
  synthetic: (n: number) => `fan-out pipeline, ${(n / 1e6).toFixed(2)}M synthetic installations, streamed`,
  database: (n: number) =>
    `fan-out from PostgreSQL (app channel devicePage), ${(n / 1000).toFixed(0)}k devices`,
  provider: (kind: PushProviderKind) => `one per-device push, ${LABEL[kind]} provider only`,
};

type Measured = Measurement & { total: number; seconds: number; heapMb: number; bytesPerPush?: number };

function providerOf(i: number): PushTarget['provider'] {
  const x = ((i * 2654435761) % 1000) / 1000;
  let acc = 0;
  for (const [kind, share] of MIX) {
    acc += share;
    if (x < acc) return kind;
  }
  return 'fcm';
}

/** Device `i`: its id and a push token of its provider's shape (Web Push: the subscription JSON). */
function syntheticTarget(i: number, pool: SubscriptionPool): PushTarget {
  const id = `d${String(i).padStart(8, '0')}`;
  const provider = providerOf(i);
  const token =
    provider === 'fcm'
      ? `${id}:${FCM_FILLER}`
      : provider === 'apns'
        ? i.toString(16).padStart(64, '0')
        : pool.token(id, i);
  return { cursor: id, deviceId: id, provider, token };
}

/** Synthetic installations as keyset pages, generated page by page (never all in memory). */
function syntheticFetch(total: number, pool: SubscriptionPool) {
  return async (after: string | null, limit: number): Promise<PushTarget[]> => {
    const from = after === null ? 0 : Number(after.slice(1)) + 1;
    const to = Math.min(total, from + limit);
    const page: PushTarget[] = [];
    for (let i = from; i < to; i++) page.push(syntheticTarget(i, pool));
    return page;
  };
}

/** The notification of a broadcast: its id, priority and time to live. */
function broadcastNotification(): PushRequest {
  return { messageId: randomUUID(), priority: 'URGENT', ttlSeconds: 3600 };
}

/** The app channel's side of the fan-out, with the real providers; `store` only for the database sample. */
function deliveryService(
  config: AppChannelConfig,
  domainKey: DomainKeyConfig,
  providers: Record<PushProviderKind, PushProvider>,
  store?: AppChannelStore,
): BroadcastDeliveryService {
  // The synthetic pass has no database: the null transport never answers "gone", which is the
  // only push outcome that writes (it forgets the token).
  const noStore = {
    query: () => Promise.reject(new Error('the synthetic pass has no database')),
  } as unknown as AppChannelStore;
  return new BroadcastDeliveryService(
    config,
    { transcription: undefined as never, credentials: undefined as never, senders: undefined as never },
    createDomainDecryptor(domainKey),
    providers,
    store ?? noStore,
  );
}

interface Segment {
  rate: number;
  cores: number;
}

/** One pass of the pipeline; the per-page hook cuts it into `segments` equal parts with their rates. */
async function measurePass(
  name: string,
  total: number,
  segments: number,
  fetch: (after: string | null, limit: number) => Promise<readonly PushTarget[]>,
  delivery: BroadcastDeliveryService,
  notification: PushRequest,
  note: string,
): Promise<Measured> {
  const per = Math.ceil(total / segments);
  const parts: Segment[] = [];
  let done = 0;
  let segStart = performance.now();
  let segCpu = process.cpuUsage();
  let segDone = 0;
  let heap = 0;
  const start = performance.now();
  const result = await fanOut({
    pages: keysetPages(fetch, null, PAGE),
    notification,
    // What the broadcast service's RunBroadcasts passes: the BroadcastDeliveryPort's push.
    push: (target, n) => delivery.push(target, n),
    ratesPerSecond: UNLIMITED,
    concurrency: CONCURRENCY,
    onPage: async (_cursor, page) => {
      done += page.sent + page.failed + page.gone;
      if (done - segDone >= per || done === total) {
        const elapsed = performance.now() - segStart;
        const cpu = process.cpuUsage(segCpu);
        parts.push({
          rate: ((done - segDone) * 1000) / elapsed,
          cores: (cpu.user + cpu.system) / 1000 / elapsed,
        });
        heap = Math.max(heap, process.memoryUsage().heapUsed);
        segDone = done;
        segStart = performance.now();
        segCpu = process.cpuUsage();
      }
    },
  });
  const seconds = (performance.now() - start) / 1000;
  if (result.sent !== total)
    throw new Error(
      `fan-out pushed ${result.sent} of ${total} (${result.failed} failed, ${result.gone} gone)`,
    );
  const rates = parts.map((p) => p.rate);
  return {
    name,
    unit: 'pushes/s',
    median: median(rates),
    min: Math.min(...rates),
    max: Math.max(...rates),
    runs: rates,
    coresUsed: Number(median(parts.map((p) => p.cores)).toFixed(2)),
    note,
    total,
    seconds,
    heapMb: heap / 1024 / 1024,
  };
}

/** Every push of a pass reached the null transport, and a Web Push body opens with its subscription's keys. */
function checkTransport(
  push: NullPush,
  before: ReturnType<NullPush['counts']>,
  total: number,
  pool: SubscriptionPool,
  notification: PushRequest,
): { bytesPerPush: number } {
  const after = push.counts();
  const requests = (Object.keys(after.requests) as PushProviderKind[]).reduce(
    (sum, k) => sum + after.requests[k] - before.requests[k],
    0,
  );
  if (requests !== total) throw new Error(`the null transport got ${requests} requests for ${total} pushes`);
  // The last Web Push request of the pass opens with its subscription's keys, to this notification.
  const last = after.lastWebPush;
  if (last && after.requests.webpush > before.requests.webpush) {
    const i = Number(last.endpoint.slice(last.endpoint.lastIndexOf('/wp/d') + 5));
    const clear = JSON.parse(pool.decrypt(Buffer.from(last.body), i).toString('utf8')) as { mid?: string };
    if (clear.mid !== notification.messageId)
      throw new Error('the Web Push body did not decrypt to the notification');
  }
  return { bytesPerPush: (after.bodyBytes - before.bodyBytes) / total };
}

/** A scratch database on the server of DATABASE_URL (default the local test server). */
async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  admin.pathname = '/postgres';
  const name = `smis_bench_broadcast_${process.pid}_${Date.now()}`;
  const run = async (sql: string) => {
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

async function databaseSample(
  count: number,
  context: BenchContext,
  base: AppChannelConfig,
  domainKey: DomainKeyConfig,
  push: NullPush,
  pool: SubscriptionPool,
): Promise<Measured> {
  const db = await scratchDatabase();
  const config: AppChannelConfig = { ...base, databaseUrl: db.url };
  const dataSource = await openServiceDataSource({
    databaseUrl: db.url,
    schema: config.schema,
    entities: APP_CHANNEL_ENTITIES,
    migrations: APP_CHANNEL_MIGRATIONS,
    applicationName: 'smis-bench-broadcast',
  });
  try {
    context.log(`  filling ${count} devices`);
    // The same provider mix and token shapes as the synthetic source (Web Push: subscription JSON).
    await dataSource.query(
      `INSERT INTO "app_channel"."device" ("device_id", "key_id", "encryption_public_key", "signing_public_key",
         "push_provider", "push_token", "notifications_enabled")
       SELECT id, 'k', 'e', 's', provider,
              CASE provider
                WHEN 'fcm' THEN id || ':' || $2
                WHEN 'apns' THEN lpad(to_hex(i), 64, '0')
                ELSE json_build_object('endpoint', $3 || id,
                       'keys', json_build_object('p256dh', ($4::text[])[i % $6 + 1], 'auth', ($5::text[])[i % $6 + 1]))::text
              END, true
         FROM (SELECT i, 'd' || lpad(i::text, 8, '0') AS id,
                      CASE WHEN (i * 2654435761::bigint) % 1000 < 700 THEN 'fcm'
                           WHEN (i * 2654435761::bigint) % 1000 < 970 THEN 'apns' ELSE 'webpush' END AS provider
                 FROM generate_series(0, $1 - 1) AS i) AS s`,
      [count, FCM_FILLER, pool.endpoint(''), pool.keys.p256dh, pool.keys.auth, SUBSCRIPTION_KEYS],
    );
    await dataSource.query('ANALYZE "app_channel"."device"');
    const store = new AppChannelStore(config, dataSource);
    const delivery = deliveryService(config, domainKey, push.providers, store);
    const broadcastId = randomUUID();
    await delivery.stage({
      broadcastId,
      senderId: 'bench',
      senderKeyId: '0000000000000000',
      category: 'alert.bench',
      priority: 'URGENT',
      audience: 'EVERYONE',
      regions: [],
      envelope: Buffer.from('{}'),
      signature: Buffer.alloc(64),
      signingInput: Buffer.from('bench'),
      createdAt: Date.now(),
      expiresAt: Date.now() + 3_600_000,
    });
    const notification: PushRequest = { messageId: broadcastId, priority: 'URGENT', ttlSeconds: 3600 };
    const before = push.counts();
    const measured = await measurePass(
      NAMES.database(count),
      count,
      5,
      (after, limit) => delivery.devicePage(broadcastId, after, limit),
      delivery,
      notification,
      `keyset pages of ${PAGE} from PostgreSQL, every provider per device (a LIST-like worst case); real providers, null transport`,
    );
    return { ...measured, ...checkTransport(push, before, count, pool, notification) };
  } finally {
    await dataSource.destroy();
    await db.drop();
  }
}

/** One provider alone: the cost of one per-device push through it (what its share of a broadcast costs). */
async function providerAlone(
  kind: PushProviderKind,
  context: BenchContext,
  delivery: BroadcastDeliveryService,
  pool: SubscriptionPool,
): Promise<Measurement> {
  const targets: PushTarget[] = [];
  for (let i = 0; targets.length < 1024; i++) {
    const target = syntheticTarget(i, pool);
    if (target.provider === kind) targets.push(target);
  }
  const notification = broadcastNotification();
  let next = 0;
  return measureAsync(
    NAMES.provider(kind),
    context.method,
    async () => {
      const outcome = await delivery.push(targets[next++ % targets.length], notification);
      if (outcome.kind !== 'sent') throw new Error(`${kind} push: ${outcome.kind}`);
      return 1;
    },
    CONCURRENCY,
    `BroadcastDeliveryService.push → ${LABEL[kind]} provider → null transport; ${CONCURRENCY} in flight`,
  );
}

async function run(context: BenchContext): Promise<BenchReport> {
  const quick = context.method.runs <= 3 && context.method.runMs <= 300;
  const installations = quick ? QUICK_INSTALLATIONS : INSTALLATIONS;
  const sample = quick ? QUICK_DB_SAMPLE : DB_SAMPLE;
  const load = sampleLoad();
  const keyring = generateKeyring();
  const domainKey = keyring.pseudonym.domainKeys.find((k) => k.domain === 'app')!;
  const config = validateAppChannelConfig({
    // The synthetic pass and the per-provider rows never connect; the database sample uses its own.
    databaseUrl: 'postgres://unused@127.0.0.1:1/unused',
    domainKey,
    schema: 'app_channel',
    push: benchPushCredentials(),
  });
  const pool = new SubscriptionPool(SUBSCRIPTION_KEYS);
  const push = nullPushProviders(config);
  const delivery = deliveryService(config, domainKey, push.providers);
  const measurements: Measured[] = [];
  const perProvider: Partial<Record<PushProviderKind, Measurement>> = {};
  const notes: string[] = [];
  try {
    for (const kind of ['fcm', 'apns', 'webpush'] as const) {
      if (!context.include(NAMES.provider(kind))) continue;
      context.log(NAMES.provider(kind));
      perProvider[kind] = await providerAlone(kind, context, delivery, pool);
    }
    if (context.include(NAMES.synthetic(installations))) {
      context.log(NAMES.synthetic(installations));
      const notification = broadcastNotification();
      const before = push.counts();
      const measured = await measurePass(
        NAMES.synthetic(installations),
        installations,
        context.method.runs,
        syntheticFetch(installations, pool),
        delivery,
        notification,
        `one streamed pass, cut into ${context.method.runs} equal segments; ${CONCURRENCY} in flight, pages of ${PAGE}; every installation gets a per-device push through the real providers (null transport)`,
      );
      measurements.push({ ...measured, ...checkTransport(push, before, installations, pool, notification) });
    }
    if (context.include(NAMES.database(sample))) {
      context.log(NAMES.database(sample));
      try {
        measurements.push(await databaseSample(sample, context, config, domainKey, push, pool));
      } catch (error) {
        notes.push(`PostgreSQL sample skipped: ${(error as Error).message}`);
      }
    }
    notes.push(
      `FCM OAuth access tokens fetched: ${push.counts().tokenRequests} (cached for an hour; the RS256 assertion is signed for real, the token endpoint is answered in-process).`,
    );
  } finally {
    await push.close();
  }
  const loads = load.stop();
  const format = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
  const targets: TargetCheck[] = measurements.map((m) => ({
    target: `${m.name}: >= ${GOAL_PER_SECOND.toLocaleString('en-US')} pushes/s prepared and >= the FCM quota (${format(FCM_QUOTA_PER_SECOND)})`,
    measured: `${format(m.median)} (${(m.median / FCM_QUOTA_PER_SECOND).toFixed(1)}x the quota)`,
    met: m.median >= GOAL_PER_SECOND && m.median >= FCM_QUOTA_PER_SECOND,
  }));
  for (const kind of ['fcm', 'apns', 'webpush'] as const) {
    const m = perProvider[kind];
    if (!m) continue;
    targets.push({
      target: `${m.name}: >= the fan-out's default ${LABEL[kind]} rate (${format(DEFAULT_RATES[kind])}, SMIS_BROADCAST_${kind.toUpperCase()}_RATE)`,
      measured: `${format(m.median)} (${(m.median / DEFAULT_RATES[kind]).toFixed(1)}x)`,
      met: m.median >= DEFAULT_RATES[kind],
    });
  }
  const synthetic = measurements.find((m) => m.name.startsWith('fan-out pipeline'));
  if (synthetic) {
    notes.push(
      `${synthetic.total.toLocaleString('en-US')} installations in ${synthetic.seconds.toFixed(1)} s of wall time; heap peak ${synthetic.heapMb.toFixed(0)} MB (one page + pushes in flight); ${synthetic.bytesPerPush?.toFixed(0)} request body bytes per push on average.`,
    );
  }
  const { apns, webpush } = perProvider;
  if (apns && webpush) {
    const apnsCount = INSTALLATIONS * MIX[1][1];
    const webCount = INSTALLATIONS * MIX[2][1];
    const platformS = apnsCount / apns.median + webCount / webpush.median;
    const ratesS = Math.max(apnsCount / DEFAULT_RATES.apns, webCount / DEFAULT_RATES.webpush);
    notes.push(
      `A country broadcast to ${INSTALLATIONS.toLocaleString('en-US')} installations sends 1 FCM topic message for the ${Math.round(MIX[0][1] * 100)}% on FCM, and ${Math.round(apnsCount).toLocaleString('en-US')} APNs + ${Math.round(webCount).toLocaleString('en-US')} Web Push per-device pushes: the default rates (APNs ${DEFAULT_RATES.apns.toLocaleString('en-US')}/s, Web Push ${DEFAULT_RATES.webpush.toLocaleString('en-US')}/s, in parallel) allow ${(ratesS / 60).toFixed(1)} min; preparing them at the rates measured here takes ${(platformS / 60).toFixed(1)} min of one core.`,
    );
  }
  notes.push(
    `A per-device FCM fan-out (LIST audience) is capped by the quota at 10,000/s: ${(INSTALLATIONS / FCM_QUOTA_PER_SECOND / 60).toFixed(1)} min for ${INSTALLATIONS.toLocaleString('en-US')} devices.`,
  );
  // The PostgreSQL sample's other half runs in the database server, not in this process.
  const starved = [
    ...measurements.filter((m) => m.name.startsWith('fan-out pipeline')),
    ...Object.values(perProvider),
  ]
    .filter((m) => m.coresUsed < 0.9)
    .map((m) => m.name);
  if (starved.length > 0)
    notes.push(
      `CONTENDED: cores used below 0.9 during: ${starved.join('; ')}. Those figures are lower bounds.`,
    );
  notes.push(
    `1-minute load average during the run: ${Math.min(...loads)}–${Math.max(...loads)} (median ${median(loads)}, ${loads.length} samples).`,
    'Not included: the network (round trips run concurrently, CONCURRENCY in flight), TLS and HTTP/2 framing; everything the providers compute per request is (JSON bodies, provider tokens, VAPID JWTs, RFC 8291 encryption).',
    'The PostgreSQL sample fills the app channel schema with generate_series (8.5M rows would take minutes to create on this machine); the query is the production devicePage keyset query.',
  );
  return {
    measurements: [
      ...Object.values(perProvider),
      ...measurements.map(({ total: _t, seconds: _s, heapMb: _h, bytesPerPush: _b, ...m }) => m),
    ],
    targets,
    notes,
  };
}

export const bench: Bench = {
  name: 'broadcast',
  description:
    'broadcast fan-out through the real push providers (null transport): streamed synthetic 8.5M installations, a PostgreSQL sample and each provider alone, against the FCM quota',
  run,
};
