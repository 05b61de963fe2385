import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterState } from './cluster';
import { CACHE_DIR } from './jars';

/** Where `npm run kafka:start` keeps each mode's data, logs and state file. */
export const RUN_DIR = path.join(CACHE_DIR, 'run');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Clusters started by `npm run kafka:start`, with their state files. */
export function readClusterStates(): { file: string; state: ClusterState }[] {
  if (!existsSync(RUN_DIR)) return [];
  return readdirSync(RUN_DIR)
    .map((d) => path.join(RUN_DIR, d, 'state.json'))
    .filter((f) => existsSync(f))
    .map((file) => ({ file, state: JSON.parse(readFileSync(file, 'utf8')) as ClusterState }));
}

/** A plain (non-SASL) cluster started by `npm run kafka:start` whose nodes are all alive. */
export function runningPlainCluster(): ClusterState | undefined {
  return readClusterStates()
    .map((s) => s.state)
    .find((s) => !s.sasl && s.nodes.every((n) => isAlive(n.pid)));
}
