import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { broadcastSigningInput, type Broadcast } from '@smis/contracts';
import {
  BROADCAST_TOPICS,
  chainListDigest as serviceChainListDigest,
  createBroadcastRecordCodec,
  EMPTY_LIST_DIGEST as SERVICE_EMPTY_LIST_DIGEST,
  verifyEd25519,
} from '@smis/broadcast';
import { decodeContent, type MessageContent } from '@smis/message-content';
import type { PolymorphicPseudonym } from '@smis/pseudonym';
import { waitFor } from '@smis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListSpool } from './broadcast/list-spool';
import {
  BROADCAST_LIST_TOPIC,
  chainListDigest,
  createListChunkCodec,
  EMPTY_LIST_DIGEST,
} from './broadcast/list-records';
import {
  BroadcastNotFoundError,
  BroadcastStateError,
  InvalidBroadcastError,
  SenderConfigError,
  createSenderClient,
  type BroadcastListChunk,
  type BroadcastView,
  type SenderClient,
} from './index';
import { startFakeGateway, type FakeGateway } from './test-support/fake-gateway';
import { createPlatformFixture, NISS, PHONE, type PlatformFixture } from './test-support/fixture';
import { RecordingTransport } from './test-support/recording-transport';

const content: MessageContent = {
  v: 1,
  lang: 'nl',
  texts: {
    nl: { title: 'Overstroming', body: 'Blijf binnen.' },
    fr: { title: 'Inondation', body: 'Restez à l’intérieur.' },
  },
};

let platform: PlatformFixture;
let transport: RecordingTransport;
let sender: SenderClient;

beforeAll(() => {
  platform = createPlatformFixture('crisis-centre');
  transport = new RecordingTransport();
  sender = createSenderClient(platform.clientConfig({ kind: 'rest', gatewayUrl: 'http://gateway.invalid' }), {
    transport,
  });
});

const base = { content, category: 'alert', expiresAt: Date.now() + 3_600_000 };

function publishedSince(from: number) {
  return transport.broadcastRecords.slice(from);
}

describe('broadcast: the signed record', () => {
  it('signs a country broadcast the way the broadcast service verifies it, with the content in clear', async () => {
    const from = transport.broadcastRecords.length;
    const result = await sender.broadcast({ ...base, audience: { kind: 'EVERYONE' }, priority: 'URGENT' });
    const [record] = publishedSince(from);
    expect(record.kind).toBe('broadcast');
    const b = (record as { broadcast: Broadcast }).broadcast;
    expect(b).toMatchObject({
      broadcastId: result.broadcastId,
      senderId: 'crisis-centre',
      senderKeyId: platform.senderKey.keyId,
      category: 'alert',
      priority: 'URGENT',
      audience: { kind: 'EVERYONE', regions: [], list: null },
    });
    expect(verifyEd25519(broadcastSigningInput(b), b.signature, platform.senderKey.publicKey)).toBe(true);
    const altered = { ...b, audience: { kind: 'REGIONS' as const, regions: ['21004'], list: null } };
    expect(verifyEd25519(broadcastSigningInput(altered), b.signature, platform.senderKey.publicKey)).toBe(
      false,
    );
    expect(decodeContent(b.envelope)).toEqual(content);
    expect(b.content).toMatchObject({ languages: ['nl', 'fr'], totalSizeBytes: b.envelope.length });
  });

  it('sends alert regions as given, once each, and refuses malformed ones naming the field', async () => {
    const from = transport.broadcastRecords.length;
    await sender.broadcast({ ...base, audience: { kind: 'REGIONS', regions: ['21004', '44021', '21004'] } });
    const b = (publishedSince(from)[0] as { broadcast: Broadcast }).broadcast;
    expect(b.audience).toEqual({ kind: 'REGIONS', regions: ['21004', '44021'], list: null });
    expect(b.priority).toBe('NORMAL');

    const refused = sender.broadcast({
      ...base,
      audience: { kind: 'REGIONS', regions: ['21004', 'brussels'] },
    });
    await expect(refused).rejects.toBeInstanceOf(InvalidBroadcastError);
    await expect(refused).rejects.toMatchObject({ field: 'audience.regions[1]', code: 'INVALID_BROADCAST' });
    await expect(sender.broadcast({ ...base, audience: { kind: 'REGIONS', regions: [] } })).rejects.toThrow(
      /at least one alert region/,
    );
    await expect(
      sender.broadcast({ ...base, audience: { kind: 'EVERYONE' }, expiresAt: Date.now() - 1 }),
    ).rejects.toMatchObject({ field: 'expiresAt' });
    await expect(
      sender.broadcast({ ...base, audience: { kind: 'EVERYONE' }, category: 'Alert!' }),
    ).rejects.toMatchObject({ field: 'category' });
    const noAlt = {
      ...content,
      parts: [{ kind: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=' }],
    } as unknown as MessageContent;
    await expect(
      sender.broadcast({ ...base, content: noAlt, audience: { kind: 'EVERYONE' } }),
    ).rejects.toMatchObject({ field: 'content ($.parts[0].alt)' });
    expect(publishedSince(from)).toHaveLength(1);
  });

  it('refuses to broadcast over the REST gateway, saying to use Kafka', async () => {
    const rest = createSenderClient(
      platform.clientConfig({ kind: 'rest', gatewayUrl: 'http://gateway.invalid' }),
    );
    try {
      const refused = rest.broadcast({ ...base, audience: { kind: 'EVERYONE' } });
      await expect(refused).rejects.toBeInstanceOf(SenderConfigError);
      await expect(refused).rejects.toThrow(/kafka transport/);
    } finally {
      await rest.close();
    }
  });
});

describe('broadcast to an explicit list', () => {
  it('streams the list once, publishes the Broadcast with count and digest first, then the chunks in order', async () => {
    const citizens = Array.from({ length: 23 }, (_, i) => `tel:+3247099${String(i).padStart(4, '0')}`);
    const given = [NISS, PHONE, sender.recipientOf(NISS)];
    let pulled = 0;
    async function* recipients(): AsyncGenerator<string> {
      for (const r of [...given, ...citizens]) {
        pulled++;
        yield r;
      }
    }
    const progress: string[] = [];
    const from = transport.broadcastRecords.length;
    const result = await sender.broadcast(
      { ...base, audience: { kind: 'LIST', recipients: recipients() } },
      { chunkSize: 10, onListProgress: (p) => progress.push(`${p.stage} ${p.recipients}/${p.chunks}`) },
    );
    expect(pulled).toBe(26);
    const records = publishedSince(from);
    expect(records.map((r) => r.kind)).toEqual(['broadcast', 'chunk', 'chunk', 'chunk']);
    const b = (records[0] as { broadcast: Broadcast }).broadcast;
    const chunks = records.slice(1).map((r) => (r as { chunk: BroadcastListChunk }).chunk);
    expect(result).toEqual({
      broadcastId: b.broadcastId,
      list: { listId: b.audience.list?.listId, recipientCount: 26, chunks: 3 },
    });
    expect(b.audience).toMatchObject({ kind: 'LIST', regions: [], list: { recipientCount: 26 } });
    expect(verifyEd25519(broadcastSigningInput(b), b.signature, platform.senderKey.publicKey)).toBe(true);
    expect(chunks.map((c) => [c.chunkIndex, c.recipients.length, c.last])).toEqual([
      [0, 10, false],
      [1, 10, false],
      [2, 6, true],
    ]);
    expect(chunks.every((c) => c.broadcastId === b.broadcastId && c.listId === b.audience.list?.listId)).toBe(
      true,
    );
    // The digest the broadcast service will compute over the chunks it receives.
    const digest = chunks.reduce<Buffer>(
      (d, c) => serviceChainListDigest(d, c.recipients),
      SERVICE_EMPTY_LIST_DIGEST,
    );
    expect(b.audience.list?.listDigest.equals(digest)).toBe(true);
    // Fresh pseudonyms of the right citizens, in order: the app channel files them under these.
    const all = chunks.flatMap((c) =>
      c.recipients.map((r) => r.toString('base64url') as PolymorphicPseudonym),
    );
    expect(new Set(all).size).toBe(26);
    const app = (pp: PolymorphicPseudonym) => platform.appPseudonymOf(pp);
    expect(all.slice(0, 3).map(app)).toEqual([
      app(sender.recipientOf(NISS)),
      app(sender.recipientOf(PHONE)),
      app(sender.recipientOf(NISS)),
    ]);
    expect(app(all[25])).toBe(app(sender.recipientOf(citizens[22])));
    expect(all[2]).not.toBe(given[2]); // re-randomized, not passed through
    expect(progress).toEqual([
      'pseudonymized 10/1',
      'pseudonymized 20/2',
      'pseudonymized 26/3',
      'published 10/1',
      'published 20/2',
      'published 26/3',
    ]);
  });

  it('encodes chunks the broadcast service decodes, on its topic', async () => {
    const chunk: BroadcastListChunk = {
      broadcastId: randomUUID(),
      listId: randomUUID(),
      chunkIndex: 4,
      recipients: [randomBytes(64), randomBytes(64)],
      last: true,
    };
    const bytes = await createListChunkCodec().encode('BroadcastListChunk', chunk);
    expect(await createBroadcastRecordCodec().decode('BroadcastListChunk', bytes)).toEqual(chunk);
    expect(BROADCAST_LIST_TOPIC).toBe(BROADCAST_TOPICS.lists);
    expect(chainListDigest(EMPTY_LIST_DIGEST, chunk.recipients)).toEqual(
      serviceChainListDigest(SERVICE_EMPTY_LIST_DIGEST, chunk.recipients),
    );
  });

  it('names the position of an invalid entry, never the entry, and publishes nothing', async () => {
    const spoolDirectory = mkdtempSync(path.join(os.tmpdir(), 'sdk-spool-'));
    const valid = [
      'tel:+32470990001',
      'niss:93051822361',
      'tel:+32470990002',
      'niss:85073003328',
      '0470990003',
    ];
    const entries = [...valid, 'niss:93051822399', ...valid];
    const from = transport.broadcastRecords.length;
    // Two chunks of two are spooled to a file before entry 5 is refused.
    const refused = sender.broadcast(
      { ...base, audience: { kind: 'LIST', recipients: entries } },
      { chunkSize: 2, spoolDirectory },
    );
    await expect(refused).rejects.toBeInstanceOf(InvalidBroadcastError);
    await expect(refused).rejects.toMatchObject({ field: 'audience.recipients[5]', index: 5 });
    await expect(refused).rejects.toThrow(/niss-check-digits/);
    await expect(refused).rejects.not.toThrow(/93051822399/);
    expect(publishedSince(from)).toEqual([]);
    expect(readdirSync(spoolDirectory)).toEqual([]); // the spool is gone
    await expect(sender.broadcast({ ...base, audience: { kind: 'LIST', recipients: [] } })).rejects.toThrow(
      /is empty/,
    );
    await expect(
      sender.broadcast({ ...base, audience: { kind: 'LIST', recipients: 'tel:+32470990001' as never } }),
    ).rejects.toMatchObject({ field: 'audience.recipients' });
    await expect(
      sender.broadcast({ ...base, audience: { kind: 'EVERYONE' } }, { chunkSize: 20_000 }),
    ).rejects.toMatchObject({ field: 'options.chunkSize' });
  });

  it('spools a list longer than a chunk to an owner-only file while it publishes, and removes it', async () => {
    const spoolDirectory = mkdtempSync(path.join(os.tmpdir(), 'sdk-spool-'));
    const seen: { files: string[]; size: number; mode: number }[] = [];
    transport.onBroadcastRecord = () => {
      const dirs = readdirSync(spoolDirectory);
      const file = dirs[0] ? path.join(spoolDirectory, dirs[0], 'recipients.bin') : undefined;
      const stat = file && existsSync(file) ? statSync(file) : undefined;
      seen.push({ files: dirs, size: stat?.size ?? 0, mode: (stat?.mode ?? 0) & 0o777 });
    };
    try {
      const recipients = Array.from({ length: 7 }, () => sender.recipientOf(NISS));
      await sender.broadcast(
        { ...base, audience: { kind: 'LIST', recipients } },
        { chunkSize: 3, spoolDirectory },
      );
      // While the Broadcast and its three chunks were published, the 7 pseudonyms were on disk.
      expect(seen).toHaveLength(4);
      expect(seen.every((s) => s.files.length === 1 && s.size === 7 * 64 && s.mode === 0o600)).toBe(true);
      expect(readdirSync(spoolDirectory)).toEqual([]);
    } finally {
      transport.onBroadcastRecord = undefined;
    }
  });
});

describe('a list whose chunks cannot all be published', () => {
  it('says the broadcast is out without its whole list and what to do', async () => {
    class FailingTransport extends RecordingTransport {
      override async publishListChunk(chunk: BroadcastListChunk): Promise<void> {
        if (chunk.chunkIndex === 1) throw new Error('broker gone');
        await super.publishListChunk(chunk);
      }
    }
    const failing = new FailingTransport();
    const client = createSenderClient(
      platform.clientConfig({ kind: 'rest', gatewayUrl: 'http://gateway.invalid' }),
      { transport: failing },
    );
    const recipients = Array.from({ length: 5 }, () => client.recipientOf(PHONE));
    const refused = client.broadcast({ ...base, audience: { kind: 'LIST', recipients } }, { chunkSize: 2 });
    await expect(refused).rejects.toMatchObject({ code: 'TRANSPORT', retriable: false });
    await expect(refused).rejects.toThrow(
      /only 1 of its 3 list chunks \(broker gone\): it will not start; cancel it/,
    );
    expect(failing.broadcastRecords.map((r) => r.kind)).toEqual(['broadcast', 'chunk']);
  });
});

describe('ListSpool', () => {
  const pp = (i: number): Buffer => {
    const b = Buffer.alloc(64);
    b.writeUInt32BE(i, 0);
    return b;
  };

  it('keeps a one-chunk list in memory and reads chunks back as written, with the chained digest', async () => {
    const small = new ListSpool(4);
    for (let i = 0; i < 3; i++) await small.add(pp(i));
    await small.finish();
    expect(small.spooled).toBe(false);
    const smallChunks: Buffer[][] = [];
    for await (const c of small.read()) smallChunks.push(c);
    expect(smallChunks.map((c) => c.map((b) => b.readUInt32BE(0)))).toEqual([[0, 1, 2]]);
    expect(small.digest).toEqual(chainListDigest(EMPTY_LIST_DIGEST, smallChunks[0]));

    const large = new ListSpool(4);
    for (let i = 0; i < 10; i++) await large.add(pp(i));
    await large.finish();
    expect(large.spooled).toBe(true);
    expect([large.count, large.chunks]).toEqual([10, 3]);
    const chunks: number[][] = [];
    let digest: Buffer = EMPTY_LIST_DIGEST;
    for await (const c of large.read()) {
      chunks.push(c.map((b) => b.readUInt32BE(0)));
      digest = chainListDigest(digest, c);
    }
    expect(chunks).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(large.digest).toEqual(digest);
    await large.dispose();
    await expect(large.add(pp(11))).rejects.toThrow(/after finish/);
    await expect(new ListSpool(2).add(Buffer.alloc(63))).rejects.toThrow(/64 bytes/);
  });
});

describe('following and cancelling a broadcast through the platform', () => {
  let gateway: FakeGateway;
  let client: SenderClient;
  const view = (broadcastId: string, v: Partial<BroadcastView>) => ({
    broadcastId,
    senderId: 'crisis-centre',
    state: 'RUNNING',
    reason: null,
    audience: 'EVERYONE',
    category: 'alert',
    priority: 'URGENT',
    listRecipients: 0,
    devicesTargeted: 10,
    topicMessages: 1,
    pushesSent: 0,
    pushesFailed: 0,
    delivered: 0,
    read: 0,
    occurredAt: Date.now(),
    notBefore: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    finishedAt: null,
    ...v,
  });

  beforeAll(async () => {
    gateway = await startFakeGateway(platform);
    client = createSenderClient(platform.clientConfig({ kind: 'rest', gatewayUrl: gateway.url }));
  });

  afterAll(async () => {
    await client?.close();
    await gateway?.close();
  });

  it('yields each change until the broadcast is DONE, waiting for one the platform has not taken in yet', async () => {
    const id = randomUUID();
    const watched = client.watchBroadcast(id, { intervalMs: 10 });
    const first = watched.next();
    // Not there yet (404): the watch keeps asking.
    await waitFor(() => gateway.broadcastRequests.filter((r) => r.path.includes(id)).length > 1, {
      description: 'the watch to ask again after a 404',
      intervalMs: 5,
    });
    gateway.broadcasts.set(id, [
      view(id, { state: 'SCHEDULED', devicesTargeted: 0, topicMessages: 0 }),
      view(id, { pushesSent: 4 }),
      view(id, { pushesSent: 4 }),
      view(id, { pushesSent: 9 }),
      view(id, { state: 'DONE', pushesSent: 9, delivered: 2, finishedAt: new Date().toISOString() }),
    ]);
    const states: string[] = [];
    const firstView = await first;
    states.push(`${firstView.value?.state} ${firstView.value?.pushesSent}`);
    for await (const v of watched) states.push(`${v.state} ${v.pushesSent}`);
    expect(states).toEqual(['SCHEDULED 0', 'RUNNING 4', 'RUNNING 9', 'DONE 9']);
    const calls = gateway.broadcastRequests.filter((r) => r.path.includes(id));
    expect(calls.every((r) => r.method === 'GET' && r.sender === 'crisis-centre' && r.authorized)).toBe(true);
    expect(await client.broadcastStatus(id)).toMatchObject({
      state: 'DONE',
      delivered: 2,
      devicesTargeted: 10,
    });
  });

  it('gives up on an unknown broadcast after the grace period, and cancels with typed refusals', async () => {
    const unknown = randomUUID();
    const watched = client.watchBroadcast(unknown, { intervalMs: 5, notFoundGraceMs: 30 });
    await expect(watched.next()).rejects.toBeInstanceOf(BroadcastNotFoundError);

    const running = randomUUID();
    gateway.broadcasts.set(running, [view(running, {})]);
    await expect(client.cancelBroadcast(running)).resolves.toBeUndefined();
    expect(gateway.broadcastRequests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/v1/broadcast/broadcasts/${running}/cancel`,
      sender: 'crisis-centre',
      authorized: true,
    });
    const done = randomUUID();
    gateway.broadcasts.set(done, [view(done, { state: 'DONE' })]);
    gateway.cancelStatus.set(done, 409);
    const refused = client.cancelBroadcast(done);
    await expect(refused).rejects.toBeInstanceOf(BroadcastStateError);
    await expect(refused).rejects.toThrow(/is DONE and cannot be cancelled/);
    const missing = client.cancelBroadcast(unknown);
    await expect(missing).rejects.toBeInstanceOf(BroadcastNotFoundError);
    await expect(missing).rejects.toMatchObject({ code: 'BROADCAST_NOT_FOUND', broadcastId: unknown });
    expect(() => client.watchBroadcast('not-an-id')).toThrow(InvalidBroadcastError);
  });
});
