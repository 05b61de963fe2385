export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');
export const SENDER_REGISTRY = Symbol('SENDER_REGISTRY');
