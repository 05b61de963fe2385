export const GATEWAY_CONFIG = Symbol('smis.gateway.config');
export const GATEWAY_PORTS = Symbol('smis.gateway.ports');
export const GATEWAY_CODEC = Symbol('smis.gateway.codec');
