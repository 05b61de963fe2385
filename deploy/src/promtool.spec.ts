import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readYaml, repoPath } from './manifests';

/**
 * The PromQL of deploy/observability parsed and evaluated by Prometheus's own `promtool`
 * (ADR 1203). Debian's `prometheus` package ships it, but installing that package would install a
 * server too: .ci/run takes only `usr/bin/promtool` out of the downloaded .deb and exports
 * SMIS_PROMTOOL. Elsewhere this test finds promtool on PATH or in the cache .ci/run fills, and
 * otherwise does the same extraction itself; it never passes without having run promtool.
 */
const OBSERVABILITY = 'deploy/observability';
const CACHE = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'smis', 'promtool');
const CACHED = path.join(CACHE, 'usr', 'bin', 'promtool');
const HOW_TO_GET =
  'Set SMIS_PROMTOOL=/path/to/promtool or put promtool on PATH. On Debian 12 (as bash .ci/run does): ' +
  `mkdir -p ${CACHE} && cd ${CACHE} && apt-get download prometheus && ` +
  'dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x ./usr/bin/promtool (run apt-get update first if apt ' +
  'does not know the package; installing the prometheus package works too, but adds a server).';

const run = (command: string, args: string[], cwd?: string): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 240_000 });
const output = (result: SpawnSyncReturns<string>): string =>
  `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`.trim();

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return run(file, ['--version']).status === 0;
  } catch {
    return false;
  }
}

/** The first `name` on PATH that is executable (and, with `runs`, answers --version). */
function onPath(name: string, runs = true): string | undefined {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return !runs || executable(file);
      } catch {
        return false;
      }
    });
}

/** Downloads Debian's prometheus package and keeps only its promtool, in CACHE. */
function extractFromDebianPackage(): string {
  const missing = ['apt-get', 'dpkg-deb', 'tar'].filter((tool) => !onPath(tool, false));
  if (missing.length > 0)
    throw new Error(`promtool not found, and ${missing.join(', ')} missing to get it. ${HOW_TO_GET}`);
  mkdirSync(path.dirname(CACHE), { recursive: true });
  const work = mkdtempSync(`${CACHE}.download-`);
  try {
    let download = run('apt-get', ['download', '-qq', 'prometheus'], work);
    if (download.status !== 0 && process.getuid?.() === 0) {
      // A fresh machine's apt has no package lists yet.
      const update = run('apt-get', ['update', '-qq']);
      if (update.status !== 0) throw new Error(`apt-get update failed: ${output(update)}. ${HOW_TO_GET}`);
      download = run('apt-get', ['download', '-qq', 'prometheus'], work);
    }
    if (download.status !== 0)
      throw new Error(`apt-get download prometheus failed: ${output(download)}. ${HOW_TO_GET}`);
    const deb = readdirSync(work).find((file) => file.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download prometheus left no .deb in ${work}. ${HOW_TO_GET}`);
    const extract = run(
      'sh',
      ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x ./usr/bin/promtool', 'sh', deb],
      work,
    );
    rmSync(path.join(work, deb));
    const binary = path.join(work, 'usr', 'bin', 'promtool');
    if (extract.status !== 0 || !executable(binary)) {
      throw new Error(`extracting promtool from ${deb} failed: ${output(extract)}. ${HOW_TO_GET}`);
    }
    try {
      renameSync(work, CACHE);
    } catch {
      // Another run filled the cache meanwhile (or left a broken one): use a working one.
      if (executable(CACHED)) return CACHED;
      rmSync(CACHE, { recursive: true, force: true });
      renameSync(work, CACHE);
    }
    return CACHED;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function locatePromtool(): string {
  const configured = process.env.SMIS_PROMTOOL;
  if (configured) {
    if (!executable(configured)) throw new Error(`SMIS_PROMTOOL=${configured} does not run. ${HOW_TO_GET}`);
    return configured;
  }
  const found = onPath('promtool') ?? (executable(CACHED) ? CACHED : undefined);
  if (found) return found;
  if (process.env.CI || process.env.SMIS_REQUIRE_PROMTOOL === '1') {
    throw new Error(
      `promtool is required here (CI or SMIS_REQUIRE_PROMTOOL=1) and was not found. ${HOW_TO_GET}`,
    );
  }
  return extractFromDebianPackage();
}

type Yaml = Record<string, unknown> | null;
type Kind = 'rules' | 'rule tests' | 'config';

/** Every YAML file under deploy/observability, by what promtool checks it as. */
function prometheusFiles(dir = repoPath(OBSERVABILITY)): Array<{ file: string; kind: Kind | undefined }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return prometheusFiles(file);
    if (!/\.ya?ml$/.test(entry.name)) return [];
    const content = readYaml<Yaml>(path.relative(repoPath(), file));
    const kind: Kind | undefined =
      content && 'tests' in content
        ? 'rule tests'
        : content && 'groups' in content
          ? 'rules'
          : content && ['scrape_configs', 'global', 'rule_files', 'alerting'].some((key) => key in content)
            ? 'config'
            : undefined;
    return [{ file, kind }];
  });
}

const files = prometheusFiles();
const relative = (file: string): string => path.relative(repoPath(), file);
const ofKind = (kind: Kind): string[] => files.filter((f) => f.kind === kind).map((f) => f.file);

/** Located (or fetched) once, on first use inside a test: each test fails on its own without it. */
let located: { path: string } | { error: unknown } | undefined;
function promtool(): string {
  if (!located) {
    try {
      located = { path: locatePromtool() };
    } catch (error) {
      located = { error };
    }
  }
  if ('error' in located) throw located.error;
  return located.path;
}

describe('Prometheus rules checked by promtool (deploy/observability)', () => {
  it('knows what every YAML file there is, and finds the alert rules and their unit tests', () => {
    expect(files.filter((f) => f.kind === undefined).map((f) => relative(f.file))).toEqual([]);
    expect(ofKind('rules').map(relative)).toContain(`${OBSERVABILITY}/prometheus/alerts.yaml`);
    expect(ofKind('rule tests').map(relative)).toContain(`${OBSERVABILITY}/prometheus/alerts.test.yaml`);
  });

  it('runs a promtool that rejects a broken expression', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'smis-promtool-'));
    try {
      const broken = path.join(dir, 'broken.yaml');
      writeFileSync(broken, 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: rate(x[5m]\n');
      const result = run(promtool(), ['check', 'rules', broken]);
      expect(result.status, output(result)).not.toBe(0);
      expect(output(result)).toMatch(/parse error/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // One test per file, so none passes without promtool having checked something.
  for (const { file, kind } of files) {
    if (kind === undefined) continue;
    it(`${path.relative(repoPath(OBSERVABILITY), file)} passes promtool (${kind})`, () => {
      const tool = promtool();
      if (kind === 'rules') {
        const count = readYaml<{ groups: Array<{ rules: unknown[] }> }>(relative(file)).groups.reduce(
          (sum, group) => sum + group.rules.length,
          0,
        );
        const result = run(tool, ['check', 'rules', '--lint=all', '--lint-fatal', file]);
        expect(result.status, `${relative(file)}:\n${output(result)}`).toBe(0);
        expect(output(result), relative(file)).toContain(`SUCCESS: ${count} rules found`);
      } else if (kind === 'rule tests') {
        // Unit tests of the main alerts: rule_files are resolved from the test file's folder.
        const result = run(tool, ['test', 'rules', file], path.dirname(file));
        expect(result.status, `${relative(file)}:\n${output(result)}`).toBe(0);
        expect(output(result), relative(file)).toContain('SUCCESS');
      } else {
        const result = run(tool, ['check', 'config', file]);
        expect(result.status, `${relative(file)}:\n${output(result)}`).toBe(0);
        expect(output(result), relative(file)).toContain('SUCCESS');
      }
    });
  }
});
