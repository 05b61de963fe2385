export {
  openServiceDataSource,
  describeDatabase,
  DatabaseConfigError,
  type DatabaseOptions,
  type ServiceDataSourceOptions,
} from './data-source';
export { acquireEmbeddedDatabase } from './embedded';
export { pgliteDriver } from './pglite-driver';
export { Outbox, OutboxRelay, type OutboxEntry, type OutboxRelayOptions } from './outbox/outbox';
export { OutboxRecord } from './outbox/outbox-record.entity';
export { CreateOutbox1795300000000 } from './outbox/create-outbox.migration';
export { Coalescer, type CoalescerOptions } from './coalescer';
export { preparedQuery } from './prepared-query';
