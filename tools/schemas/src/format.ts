import { format, resolveConfig } from 'prettier';
import { join, resolve } from 'node:path';

/** The repository root (this file is tools/schemas/src/format.ts). */
export const REPO_ROOT = resolve(__dirname, '../../..');

/**
 * Formats generated source with the repository's Prettier settings, so that `prettier --check`
 * agrees with the generators. `path` (relative to the repository root) picks the parser.
 */
export async function formatSource(source: string, path: string): Promise<string> {
  const file = join(REPO_ROOT, path);
  const options = (await resolveConfig(file)) ?? {};
  return format(source, { ...options, filepath: file });
}
