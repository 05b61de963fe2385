import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { describeError, MessageProducer } from '@smis/messaging';
import { OutboxRelay, type Outbox } from '@smis/persistence';
import { pseudonymBackend, type PseudonymWorkerPool } from '@smis/pseudonym';
import type { DataSource } from 'typeorm';
import type { Clock } from './clock';
import type { IdentityConfig } from './config';
import {
  IDENTITY_CLOCK,
  IDENTITY_CONFIG,
  IDENTITY_DATA_SOURCE,
  IDENTITY_OUTBOX,
  IDENTITY_POOL,
} from './tokens';

const HOUSEKEEPING_INTERVAL_MS = 5 * 60_000;
/** Finished enrolment rows (ids, statuses, times; nothing personal) are kept a day for support. */
const KEEP_FINISHED_MS = 24 * 3600_000;

/**
 * Start and stop of the identity service: the outbox relay and the housekeeping (erasing the
 * sealed number and pseudonym of enrolments that expired unused, dropping old rows, OIDC
 * transactions and rate-limit windows) start at bootstrap; at shutdown the relay finishes its
 * round, the worker pool and the database close.
 */
@Injectable()
export class IdentityLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Identity');
  private readonly relay: OutboxRelay;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(IDENTITY_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(IDENTITY_OUTBOX) outbox: Outbox,
    @Inject(IDENTITY_POOL) private readonly pool: PseudonymWorkerPool,
    @Inject(IDENTITY_CLOCK) private readonly clock: Clock,
    producer: MessageProducer,
  ) {
    this.relay = new OutboxRelay(outbox, {
      dataSource,
      producer,
      logger: {
        warn: (message, fields) => this.logger.warn(`${message} ${JSON.stringify(fields ?? {})}`),
        error: (message, fields) => this.logger.error(`${message} ${JSON.stringify(fields ?? {})}`),
      },
    });
  }

  onApplicationBootstrap(): void {
    const backend = pseudonymBackend();
    this.logger.log(
      `Transcryption: ${this.pool.size} worker(s), ${this.pool.backend} kernel` +
        (backend.reason && this.pool.backend === 'libpep-wasm'
          ? ` (native unavailable: ${backend.reason})`
          : ''),
    );
    this.relay.start();
    this.timer = setInterval(() => {
      this.housekeeping().catch((error: unknown) =>
        this.logger.warn(`Housekeeping failed: ${describeError(error)}`),
      );
    }, HOUSEKEEPING_INTERVAL_MS);
    this.timer.unref();
  }

  /** One housekeeping round (exposed for tests and operators). */
  async housekeeping(): Promise<void> {
    const s = `"${this.config.schema}"`;
    const now = new Date(this.clock.now());
    const old = new Date(now.getTime() - KEEP_FINISHED_MS);
    const longestWindow = Math.max(
      this.config.rateLimits.perNumber.windowSeconds,
      this.config.rateLimits.perAddress.windowSeconds,
    );
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE ${s}."phone_enrolment" SET "status" = 'EXPIRED', "finished_at" = $1, "code_salt" = NULL,
           "code_hash" = NULL, "sealed_phone_number" = NULL, "polymorphic_pseudonym" = NULL
         WHERE "status" = 'CODE_SENT' AND "expires_at" <= $1`,
        [now],
      );
      await m.query(`DELETE FROM ${s}."phone_enrolment" WHERE "expires_at" < $1`, [old]);
      await m.query(`DELETE FROM ${s}."oidc_transaction" WHERE "expires_at" <= $1`, [now]);
      await m.query(`DELETE FROM ${s}."rate_limit_window" WHERE "window_start" < $1`, [
        new Date(now.getTime() - longestWindow * 1000),
      ]);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.relay.stop();
    await this.pool.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
