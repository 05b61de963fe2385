/** Injection tokens of the broadcast service (module-private). */
export const BROADCAST_CONFIG = Symbol('BROADCAST_CONFIG');
export const BROADCAST_PORTS = Symbol('BROADCAST_PORTS');
export const BROADCAST_DATA_SOURCE = Symbol('BROADCAST_DATA_SOURCE');
export const BROADCAST_OUTBOX = Symbol('BROADCAST_OUTBOX');
export const BROADCAST_CODEC = Symbol('BROADCAST_CODEC');
export const BROADCAST_RECORD_CODEC = Symbol('BROADCAST_RECORD_CODEC');
