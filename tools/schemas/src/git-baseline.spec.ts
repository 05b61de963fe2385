import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSchemas } from './check';
import { REPO_ROOT } from './format';
import { previousRevision, readGitBaseline } from './git-baseline';
import { evolve, probeV1, type Json } from './testing/fixtures';

describe('git baseline (read-only git)', () => {
  it('reads the schema versions at HEAD of this repository', () => {
    const result = readGitBaseline(REPO_ROOT, 'HEAD');
    expect('baseline' in result).toBe(true);
    if (!('baseline' in result)) return;
    expect(result.baseline.ref).toBe('HEAD');
    for (const [path, text] of result.baseline.files) {
      expect(path).toMatch(/^schemas\/[a-z0-9-]+\/v[1-9][0-9]*\.avsc$/);
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });

  it('is unavailable, with the reason, for an unknown revision', () => {
    const result = readGitBaseline(REPO_ROOT, 'no-such-branch-4b1d');
    expect(result).toEqual({ unavailable: expect.stringMatching(/no git revision no-such-branch-4b1d/) });
  });

  it('is unavailable outside a repository', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smis-no-git-'));
    try {
      expect('unavailable' in readGitBaseline(dir, 'HEAD')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the previous revision CI compares with', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A scratch repository on `main`, with a committer and no signing whatever the user's config. */
  function scratch(): { dir: string; git: (...args: string[]) => string; commit: (v1: Json) => string } {
    const dir = mkdtempSync(join(tmpdir(), 'smis-schemas-git-'));
    dirs.push(dir);
    const git = (...args: string[]) =>
      execFileSync(
        'git',
        ['-C', dir, '-c', 'user.name=CI', '-c', 'user.email=ci@example.test', '-c', 'commit.gpgsign=false', ...args],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } },
      ).trim();
    git('init', '-q', '-b', 'main');
    const commit = (v1: Json) => {
      mkdirSync(join(dir, 'schemas', 'probe'), { recursive: true });
      writeFileSync(join(dir, 'schemas', 'probe', 'v1.avsc'), `${JSON.stringify(v1, null, 2)}\n`);
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', 'change');
      return git('rev-parse', 'HEAD');
    };
    return { dir, git, commit };
  }

  const v1 = probeV1();
  const v1Broken = evolve(v1, (s) => ((s.fields[1] as Json)['type'] = 'string')); // count: int → string

  it('is HEAD~1 when HEAD is the tip of main, and an incompatible change committed there fails', async () => {
    const { dir, git, commit } = scratch();
    commit(v1);
    const tip = commit(v1Broken);
    git('update-ref', 'refs/remotes/origin/main', tip); // a clean clone: HEAD = origin/main
    const previous = previousRevision(dir);
    expect(previous).toEqual({ ref: 'HEAD~1', why: expect.stringMatching(/HEAD is on origin\/main/) });
    if (!('ref' in previous)) return;

    // Against HEAD (the old default) the tip commit compares with itself and passes.
    const atHead = readGitBaseline(dir, 'HEAD');
    if (!('baseline' in atHead)) throw new Error(atHead.unavailable);
    expect((await checkSchemas({ root: dir, baseline: atHead.baseline, generated: false })).violations).toEqual([]);

    const atPrevious = readGitBaseline(dir, previous.ref);
    if (!('baseline' in atPrevious)) throw new Error(atPrevious.unavailable);
    const report = await checkSchemas({ root: dir, baseline: atPrevious.baseline, generated: false });
    expect(report.violations.map((v) => `${v.file} ${v.rule}${v.field ? ` ${v.field}` : ''}`)).toEqual(
      expect.arrayContaining(['schemas/probe/v1.avsc released-version-changed', 'schemas/probe/v1.avsc type-changed count']),
    );
  });

  it('is the merge-base with origin/main on a branch past it', () => {
    const { dir, git, commit } = scratch();
    commit(v1);
    const base = commit(v1);
    git('update-ref', 'refs/remotes/origin/main', base);
    git('checkout', '-q', '-b', 'feature');
    commit(v1Broken);
    commit(v1Broken);
    const atBase = previousRevision(dir);
    expect(atBase).toEqual({ ref: base.slice(0, 12), why: 'the merge-base of HEAD with origin/main' });
    // main moved on after the branch: still the fork point, not main's tip.
    git('checkout', '-q', 'main');
    const moved = commit(v1);
    git('update-ref', 'refs/remotes/origin/main', moved);
    git('checkout', '-q', 'feature');
    expect(previousRevision(dir)).toEqual(atBase);
  });

  it('is HEAD~1 without origin/main', () => {
    const { dir, commit } = scratch();
    commit(v1);
    commit(v1);
    expect(previousRevision(dir)).toEqual({ ref: 'HEAD~1', why: expect.stringMatching(/no origin\/main/) });
  });

  it('is unavailable, saying why, in a single-commit repository, a shallow clone, an empty one and outside git', () => {
    const single = scratch();
    single.commit(v1);
    expect(previousRevision(single.dir)).toEqual({ unavailable: expect.stringMatching(/first commit/) });

    const full = scratch();
    full.commit(v1);
    full.commit(v1);
    const shallow = mkdtempSync(join(tmpdir(), 'smis-schemas-shallow-'));
    dirs.push(shallow);
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${full.dir}`, shallow], { stdio: 'ignore' });
    expect(previousRevision(shallow)).toEqual({
      unavailable: expect.stringMatching(/shallow clone .*HEAD is on origin\/main.*git fetch --deepen=1/),
    });

    const empty = scratch();
    expect(previousRevision(empty.dir)).toEqual({ unavailable: 'no commit at HEAD here (nothing committed yet)' });

    const plain = mkdtempSync(join(tmpdir(), 'smis-no-git-'));
    dirs.push(plain);
    expect(previousRevision(plain)).toEqual({ unavailable: expect.stringMatching(/no commit at HEAD here/) });
  });
});
