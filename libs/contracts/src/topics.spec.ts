import { describe, expect, it } from 'vitest';
import { RECORD_NAMES } from './generated/records';
import {
  DLQ_HEADERS,
  TOPICS,
  TOPIC_CONTRACTS,
  describeTopic,
  dlqTopic,
  isValidSenderId,
  retryTopic,
  statusTopic,
} from './topics';

describe('topic map', () => {
  it('has one contract per topic, each with a record, producers and consumers', () => {
    const ids = TOPIC_CONTRACTS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id !== 'status').sort()).toEqual(Object.keys(TOPICS).sort());
    for (const contract of TOPIC_CONTRACTS) {
      expect(RECORD_NAMES).toContain(contract.value);
      expect(contract.producers.length).toBeGreaterThan(0);
      expect(contract.consumers.length).toBeGreaterThan(0);
      if (contract.id !== 'status') expect(contract.address).toBe(TOPICS[contract.id]);
    }
  });

  it('gives every record a topic', () => {
    expect(new Set(TOPIC_CONTRACTS.map((c) => c.value))).toEqual(new Set(RECORD_NAMES));
  });

  it('keeps the architecture table: names, keys and compaction', () => {
    const byId = new Map(TOPIC_CONTRACTS.map((c) => [c.id, c]));
    expect(TOPICS.requests).toBe('smis.requests.v1');
    expect([TOPICS.appChannel, TOPICS.smsChannel, TOPICS.emailChannel]).toEqual([
      'smis.channel.app.v1',
      'smis.channel.sms.v1',
      'smis.channel.email.v1',
    ]);
    expect(TOPICS.events).toBe('smis.events.v1');
    expect(TOPICS.broadcasts).toBe('smis.broadcasts.v1');
    expect(byId.get('preferences')).toMatchObject({
      address: 'smis.preferences.v1',
      compacted: true,
      key: { encoding: 'binary' },
    });
    expect(TOPIC_CONTRACTS.filter((c) => c.compacted).map((c) => c.id)).toEqual(['preferences']);
    for (const id of ['requests', 'appChannel', 'smsChannel', 'emailChannel', 'events', 'status'] as const) {
      expect(byId.get(id)?.key.field).toBe('messageId');
    }
    expect(byId.get('broadcasts')?.key.field).toBe('broadcastId');
    expect(byId.get('status')?.consumers).toEqual(['sender-system']);
  });
});

describe('status topics', () => {
  it('names a sender status topic', () => {
    expect(statusTopic('covid-test-portal')).toBe('smis.status.covid-test-portal.v1');
    expect(statusTopic('a')).toBe('smis.status.a.v1');
    expect(statusTopic('x'.repeat(64))).toBe(`smis.status.${'x'.repeat(64)}.v1`);
  });

  it.each([
    '',
    'Tax',
    'tax.office',
    'tax_office',
    '-tax',
    'tax-',
    'tax office',
    'x'.repeat(65),
    'tàx',
    'tax/../x',
  ])('refuses the sender id %j', (senderId) => {
    expect(isValidSenderId(senderId)).toBe(false);
    expect(() => statusTopic(senderId)).toThrow(TypeError);
    expect(() => statusTopic(senderId)).toThrow(/1-64 characters of a-z, 0-9 and '-'/);
  });
});

describe('retry and dead-letter topics', () => {
  it('names them after the source topic', () => {
    expect(retryTopic(TOPICS.requests, 1)).toBe('smis.requests.v1.retry.1');
    expect(retryTopic(statusTopic('tax-office'), 3)).toBe('smis.status.tax-office.v1.retry.3');
    expect(dlqTopic(TOPICS.events)).toBe('smis.events.v1.dlq');
    expect(dlqTopic('test-topic-4f2a')).toBe('test-topic-4f2a.dlq');
  });

  it('refuses attempts below 1, retries of retries, DLQs of DLQs and invalid names', () => {
    expect(() => retryTopic(TOPICS.requests, 0)).toThrow(/numbered from 1/);
    expect(() => retryTopic(TOPICS.requests, 1.5)).toThrow(/numbered from 1/);
    expect(() => retryTopic('smis.requests.v1.retry.1', 2)).toThrow(/already a retry or DLQ topic/);
    expect(() => dlqTopic('smis.requests.v1.dlq')).toThrow(/already a retry or DLQ topic/);
    expect(() => dlqTopic('bad topic')).toThrow(/Invalid topic name/);
  });

  it('describes any concrete topic name', () => {
    expect(describeTopic('smis.requests.v1')).toMatchObject({ kind: 'source', contract: { id: 'requests' } });
    expect(describeTopic('smis.channel.sms.v1.retry.2')).toMatchObject({
      kind: 'retry',
      attempt: 2,
      sourceTopic: 'smis.channel.sms.v1',
      contract: { value: 'SmsChannelJob' },
    });
    expect(describeTopic('smis.status.tax-office.v1.dlq')).toMatchObject({
      kind: 'dlq',
      senderId: 'tax-office',
      contract: { id: 'status', value: 'MessageStatus' },
    });
    expect(describeTopic('smis.status.Tax.v1')).toBeUndefined();
    expect(describeTopic('smis.unknown.v1')).toBeUndefined();
  });

  it('names the DLQ headers once', () => {
    const names = Object.values(DLQ_HEADERS);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^smis-[a-z-]+$/);
  });
});
