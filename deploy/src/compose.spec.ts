import { describe, expect, it } from 'vitest';
import { problems, readText, readYaml, repoPath, schema } from './manifests';
import { existsSync } from 'node:fs';

type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
};
const compose = readYaml<{ services: Record<string, Service> }>('deploy/compose/platform.yml');

describe('compose file (deploy/compose/platform.yml)', () => {
  it('matches the Compose schema subset', () => {
    const validate = schema('compose.schema.json');
    expect(problems(validate, compose, 'platform.yml')).toEqual([]);
    expect(problems(validate, readYaml('deploy/compose/kafka.yml'), 'kafka.yml')).toEqual([]);
  });

  it('runs the broker version tools/kafka pins', () => {
    const pinned = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readText('tools/kafka/pom.xml'))?.[1];
    expect(compose.services.kafka.image).toBe(`apache/kafka:${pinned}`);
  });

  it('provisions the topics before the platform starts, with files that exist', () => {
    const { provision, platform } = compose.services;
    expect(platform.depends_on).toEqual({
      kafka: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
      provision: { condition: 'service_completed_successfully' },
    });
    expect(provision.command).toEqual(
      expect.arrayContaining(['apps/cli/src/main.ts', 'apply', 'deploy/provisioning/platform.yaml']),
    );
    for (const file of (provision.command ?? []).filter((arg) => /\.(ts|yaml)$/.test(arg)))
      expect(existsSync(repoPath(file)), file).toBe(true);
    expect(existsSync(repoPath(provision.build?.dockerfile ?? 'missing'))).toBe(true);
    expect(platform.environment?.KAFKA_BROKERS).toBe('kafka:19092');
    expect(String(platform.environment?.DATABASE_URL)).toMatch(/^postgres:\/\/smis:.*@postgres:5432\/smis$/);
  });
});
