/** Injection tokens of the status module (module-private: other modules use StatusService). */
export const STATUS_CONFIG = Symbol('STATUS_CONFIG');
export const STATUS_DATA_SOURCE = Symbol('STATUS_DATA_SOURCE');
export const STATUS_OUTBOX = Symbol('STATUS_OUTBOX');
export const STATUS_CODEC = Symbol('STATUS_CODEC');
