import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { BroadcastConfig } from './config';
import type { BroadcastState } from './contracts/records';
import { BROADCAST_CONFIG, BROADCAST_DATA_SOURCE } from './tokens';

export interface JobRow {
  broadcast_id: string;
  sender_id: string;
  category: string;
  priority: 'LOW' | 'NORMAL' | 'URGENT';
  audience: 'EVERYONE' | 'REGIONS' | 'LIST';
  regions: string[];
  state: BroadcastState;
  reason: string | null;
  not_before: Date;
  expires_at: Date;
  list_id: string | null;
  list_expected: string | null;
  list_chunks: number;
  list_received: string;
  list_digest: Buffer | null;
  list_expected_digest: Buffer | null;
  devices_targeted: string | null;
  topics_done: number;
  topic_messages: string;
  device_cursor: string | null;
  pushes_sent: string;
  pushes_failed: string;
  claimed_until: Date | null;
  progress_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export const TERMINAL_STATES: readonly BroadcastState[] = ['DONE', 'CANCELLED', 'EXPIRED', 'REJECTED'];

@Injectable()
export class BroadcastStore {
  readonly job: string;

  constructor(
    @Inject(BROADCAST_CONFIG) config: BroadcastConfig,
    @Inject(BROADCAST_DATA_SOURCE) readonly dataSource: DataSource,
  ) {
    this.job = `"${config.schema}"."broadcast_job"`;
  }

  query<T>(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    return (manager ?? this.dataSource.manager).query(sql, params) as Promise<T[]>;
  }

  /** UPDATE … RETURNING: the rows (TypeORM answers `[rows, count]`). */
  async mutate<T>(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    const result = (await (manager ?? this.dataSource.manager).query(sql, params)) as unknown;
    if (
      Array.isArray(result) &&
      result.length === 2 &&
      Array.isArray(result[0]) &&
      typeof result[1] === 'number'
    )
      return result[0] as T[];
    return result as T[];
  }

  async find(broadcastId: string, manager?: EntityManager, lock = false): Promise<JobRow | undefined> {
    const [row] = await this.query<JobRow>(
      `SELECT * FROM ${this.job} WHERE "broadcast_id" = $1${lock ? ' FOR UPDATE' : ''}`,
      [broadcastId],
      manager,
    );
    return row;
  }
}
