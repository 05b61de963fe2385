export const EMAIL_CONFIG = Symbol('EMAIL_CONFIG');
export const EMAIL_DATA_SOURCE = Symbol('EMAIL_DATA_SOURCE');
export const EMAIL_OUTBOX = Symbol('EMAIL_OUTBOX');
export const EMAIL_CODEC = Symbol('EMAIL_CODEC');
export const EMAIL_SENDERS = Symbol('EMAIL_SENDERS');
