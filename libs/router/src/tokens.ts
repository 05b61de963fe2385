export const ROUTER_CONFIG = Symbol('smis.router.config');
export const ROUTER_PORTS = Symbol('smis.router.ports');
export const ROUTER_DATA_SOURCE = Symbol('smis.router.data-source');
export const ROUTER_OUTBOX = Symbol('smis.router.outbox');
export const ROUTER_CODEC = Symbol('smis.router.codec');
export const ROUTER_DECRYPTOR = Symbol('smis.router.decryptor');
