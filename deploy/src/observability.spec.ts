import { METRIC_CATALOG } from '@smis/observability';
import { describe, expect, it } from 'vitest';
import { problems, readText, readYaml, schema } from './manifests';

type Rules = {
  groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: Record<string, string> }> }>;
};
const rules = readYaml<Rules>('deploy/observability/prometheus/alerts.yaml');
const dashboard = JSON.parse(readText('deploy/observability/grafana/smis-overview.json')) as {
  panels: Array<{ targets?: Array<{ expr: string }> }>;
};

const known = new Set(
  METRIC_CATALOG.flatMap(({ name, type }) =>
    type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
  ),
);
const metricsIn = (expr: string): string[] => [...expr.matchAll(/\bsmis_[a-z0-9_]+/g)].map((m) => m[0]);

/** GitHub-style anchors of the headings of a Markdown file. */
function anchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} -]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('dashboards and alerts (deploy/observability)', () => {
  it('match the Prometheus rule and Grafana dashboard schema subsets', () => {
    expect(problems(schema('prometheus-rules.schema.json'), rules, 'alerts.yaml')).toEqual([]);
    expect(problems(schema('grafana-dashboard.schema.json'), dashboard, 'smis-overview.json')).toEqual([]);
  });

  it('use only metrics of the catalog in libs/observability', () => {
    const expressions = [
      ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ];
    const used = new Set(expressions.flatMap(metricsIn));
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    // Lag, dead letters, errors, fallbacks and SMS cost are all watched.
    for (const name of [
      'smis_messaging_consumer_lag',
      'smis_messaging_dead_letters_total',
      'smis_http_requests_total',
      'smis_router_fallbacks_total',
      'smis_sms_channel_cost_euros_total',
    ]) {
      expect(used, name).toContain(name);
    }
  });

  it('link every alert to a runbook section that exists', () => {
    const sections = anchors(readText('docs/operations.md'));
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      const [file, anchor] = rule.annotations.runbook_url.split('#');
      expect(file, rule.alert).toBe('docs/operations.md');
      expect(sections, `${rule.alert} → #${anchor}`).toContain(anchor);
    }
  });
});
