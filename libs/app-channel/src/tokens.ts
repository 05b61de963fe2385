/** Injection tokens of the app channel (module-private, except KEY_DIRECTORY). */
export const APP_CHANNEL_CONFIG = Symbol('APP_CHANNEL_CONFIG');
export const APP_CHANNEL_DATA_SOURCE = Symbol('APP_CHANNEL_DATA_SOURCE');
export const APP_CHANNEL_OUTBOX = Symbol('APP_CHANNEL_OUTBOX');
export const APP_CHANNEL_CODEC = Symbol('APP_CHANNEL_CODEC');
export const APP_CHANNEL_PORTS = Symbol('APP_CHANNEL_PORTS');
export const APP_DOMAIN_DECRYPTOR = Symbol('APP_DOMAIN_DECRYPTOR');
export const PUSH_PROVIDERS = Symbol('PUSH_PROVIDERS');
/** The KeyDirectoryPort the gateway injects. */
export const KEY_DIRECTORY = Symbol('KEY_DIRECTORY');
/** The BroadcastDeliveryService the broadcast service uses as its delivery port. */
export const BROADCAST_DELIVERY = Symbol('BROADCAST_DELIVERY');
