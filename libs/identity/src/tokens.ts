/** Injection tokens of the identity module (module-private). */
export const IDENTITY_CONFIG = Symbol('IDENTITY_CONFIG');
export const IDENTITY_DATA_SOURCE = Symbol('IDENTITY_DATA_SOURCE');
export const IDENTITY_OUTBOX = Symbol('IDENTITY_OUTBOX');
export const IDENTITY_CODEC = Symbol('IDENTITY_CODEC');
export const IDENTITY_CLOCK = Symbol('IDENTITY_CLOCK');
export const IDENTITY_POOL = Symbol('IDENTITY_POOL');
