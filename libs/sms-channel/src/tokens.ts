/** Injection tokens of the SMS channel module. */
export const SMS_CONFIG = Symbol('SMS_CONFIG');
export const SMS_DATA_SOURCE = Symbol('SMS_DATA_SOURCE');
export const SMS_OUTBOX = Symbol('SMS_OUTBOX');
export const SMS_CODEC = Symbol('SMS_CODEC');
export const SMS_SENDERS = Symbol('SMS_SENDERS');
export const SMS_HOOKS = Symbol('SMS_HOOKS');
