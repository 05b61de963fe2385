import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './format';
import { readGitBaseline } from './git-baseline';

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
