import { readdirSync } from 'node:fs';
import { parseProvisioningSpec } from '@smis/provisioning';
import { describe, expect, it } from 'vitest';
import { problems, readText, readYaml, repoPath, schema } from './manifests';

// There is no helm binary here (not packaged for Debian), so the chart is checked without
// rendering it: Chart.yaml and values.yaml against schemas, and the templates' references.
const CHART = 'deploy/k8s/chart';
interface ServiceValues {
  kafkaUser?: string;
}
interface ChartValues {
  serviceDefaults: ServiceValues & Record<string, unknown>;
  services: Record<string, ServiceValues>;
}
const values = readYaml<ChartValues>(CHART, 'values.yaml');
const templates = readdirSync(repoPath(CHART, 'templates')).filter((f) => /\.(yaml|tpl|txt)$/.test(f));
const text = (file: string): string => readText(CHART, 'templates', file);

function has(object: unknown, path: string): boolean {
  let current = object;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !(key in current)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  return true;
}

describe('Helm chart (deploy/k8s/chart)', () => {
  it("has a valid Chart.yaml and values that pass the chart's own values.schema.json", () => {
    expect(problems(schema('helm-chart.schema.json'), readYaml(CHART, 'Chart.yaml'), 'Chart.yaml')).toEqual(
      [],
    );
    expect(problems(schema(CHART, 'values.schema.json'), values, 'values.yaml')).toEqual([]);
    // The schema is strict enough to catch a typo.
    expect(schema(CHART, 'values.schema.json')({ ...values, servics: {} })).toBe(false);
  });

  it('refers only to values that exist', () => {
    const missing: string[] = [];
    for (const file of templates) {
      for (const [, path] of text(file).matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
        if (!has(values, path)) missing.push(`${file}: .Values.${path}`);
      }
      // $svc is serviceDefaults merged with services.<name>: every key it uses needs a default.
      for (const [, path] of text(file).matchAll(/\$svc\.([A-Za-z0-9_.]+)/g)) {
        if (!has(values.serviceDefaults, path))
          missing.push(`${file}: $svc.${path} has no serviceDefaults entry`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has well-formed templates that each declare their resources', () => {
    const defined = new Set([
      ...templates.flatMap((f) => [...text(f).matchAll(/define "([^"]+)"/g)].map((m) => m[1])),
    ]);
    for (const file of templates) {
      const body = text(file);
      expect(body.split('{{').length, `${file}: {{ and }} balance`).toBe(body.split('}}').length);
      for (const [, name] of body.matchAll(/include "([^"]+)"/g))
        expect(defined, `${file} includes ${name}`).toContain(name);
      const blocks = (body.match(/{{-?\s*(if|range|with|define)\b/g) ?? []).length;
      expect(
        (body.match(/{{-?\s*end\s*-?}}/g) ?? []).length,
        `${file}: every if/range/with/define has its end`,
      ).toBe(blocks);
      if (!file.startsWith('_') && file.endsWith('.yaml')) {
        expect(body).toMatch(/^apiVersion: \S+$/m);
        expect(body).toMatch(/^kind: [A-Z]\w+$/m);
      }
    }
    expect(templates).toEqual(
      expect.arrayContaining([
        'deployment.yaml',
        'service.yaml',
        'configmap.yaml',
        'hpa.yaml',
        'pdb.yaml',
        'servicemonitor.yaml',
      ]),
    );
  });

  it('runs each service of the platform with its own Kafka user, selected by SMIS_SERVICES', () => {
    const platform = parseProvisioningSpec(readText('deploy/provisioning/platform.yaml'), 'platform.yaml');
    const deployment = text('deployment.yaml');
    expect(deployment).toContain('name: SMIS_SERVICES');
    expect(deployment).toContain('value: {{ $name | quote }}');
    expect(deployment).toContain('path: /health/ready');
    expect(deployment).toContain('path: /health/live');
    for (const [name, own] of Object.entries(values.services)) {
      const user = own.kafkaUser || values.serviceDefaults.kafkaUser || `smis-${name}`;
      const declared = platform.services.find((s) => s.name === name);
      expect(declared?.user, `service ${name} in platform.yaml`).toBe(user);
    }
    // Every service of the platform is deployed (platform-audit is a consumer outside it).
    const external = new Set(['platform-audit']);
    expect(Object.keys(values.services).sort()).toEqual(
      platform.services
        .map((s) => s.name)
        .filter((n) => !external.has(n))
        .sort(),
    );
  });
});
