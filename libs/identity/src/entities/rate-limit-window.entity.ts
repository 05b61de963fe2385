import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Hits per bucket (a keyed hash of a number or address, never the value) and fixed window. */
@Entity({ name: 'rate_limit_window' })
export class RateLimitWindowRecord {
  @PrimaryColumn({ type: 'text' })
  bucket!: string;

  @PrimaryColumn({ type: 'timestamptz', name: 'window_start' })
  windowStart!: Date;

  @Column({ type: 'integer' })
  hits!: number;
}
