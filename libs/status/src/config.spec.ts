import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadStatusConfig, StatusConfigError, validateStatusConfig } from './config';

const key = randomBytes(32).toString('base64');

describe('status configuration', () => {
  it('fills the defaults', () => {
    const config = validateStatusConfig({ webhookSecretKey: key });
    expect(config).toMatchObject({
      schema: 'status',
      eventsTopic: 'smis.events.v1',
      consumerGroupId: 'smis-status',
      partitionsConsumedConcurrently: 4,
      createStatusTopics: true,
      principalHeader: 'x-smis-sender-id',
      webhooks: {
        deadLetterTopic: 'smis.status.webhooks.dlq',
        allowInsecureUrls: false,
        retry: {
          windowMs: 86_400_000,
          initialDelayMs: 10_000,
          factor: 2,
          maxDelayMs: 3_600_000,
          jitter: 0.2,
        },
      },
    });
    expect(config.webhookSecretKey).toHaveLength(32);
  });

  it('names every wrong field', () => {
    expect(() =>
      validateStatusConfig({
        webhookSecretKey: 'c2hvcnQ=',
        schema: 'Status',
        databaseUrl: 'mysql://x',
        webhooks: { batchSize: 0, retry: { jitter: 2, maxDelayMs: 1 } },
      }),
    ).toThrow(
      /webhookSecretKey must be 32 bytes.*databaseUrl must be a postgres.*schema 'Status'.*webhooks.batchSize must be a positive.*jitter must be within.*maxDelayMs must be ≥/,
    );
  });

  it('reads SMIS_STATUS_* and the platform variables, naming a bad one', () => {
    const config = loadStatusConfig({
      SMIS_STATUS_WEBHOOK_SECRET_KEY: key,
      DATABASE_URL: 'postgres://db/smis',
      SMIS_DATA_DIR: '.smis/data',
      SMIS_STATUS_WEBHOOK_RETRY_WINDOW_MS: '3600000',
      SMIS_STATUS_WEBHOOK_ALLOW_HTTP: 'true',
      SMIS_STATUS_CREATE_TOPICS: 'false',
      SMIS_STATUS_PARTITIONS_CONSUMED_CONCURRENTLY: '12',
    });
    expect(config).toMatchObject({
      partitionsConsumedConcurrently: 12,
      databaseUrl: 'postgres://db/smis',
      dataDir: '.smis/data/pglite',
      createStatusTopics: false,
      webhooks: { allowInsecureUrls: true, retry: { windowMs: 3_600_000, initialDelayMs: 10_000 } },
    });
    expect(() => loadStatusConfig({})).toThrow(/SMIS_STATUS_WEBHOOK_SECRET_KEY is not set/);
    expect(() =>
      loadStatusConfig({ SMIS_STATUS_WEBHOOK_SECRET_KEY: key, SMIS_STATUS_WEBHOOK_TIMEOUT_MS: 'soon' }),
    ).toThrow(StatusConfigError);
    expect(() =>
      loadStatusConfig({
        SMIS_STATUS_WEBHOOK_SECRET_KEY: key,
        SMIS_STATUS_PARTITIONS_CONSUMED_CONCURRENTLY: '0',
      }),
    ).toThrow(/SMIS_STATUS_PARTITIONS_CONSUMED_CONCURRENTLY must be a positive integer/);
    expect(() =>
      validateStatusConfig({ webhookSecretKey: key, partitionsConsumedConcurrently: 1.5 }),
    ).toThrow(/partitionsConsumedConcurrently must be a positive integer/);
  });
});
