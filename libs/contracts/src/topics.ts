import type { RecordName } from './generated/records';

/** Who writes or reads a topic: the platform's services, plus the parties outside it. */
export type Party =
  | 'sender-system'
  | 'gateway'
  | 'router'
  | 'app-channel'
  | 'sms-channel'
  | 'email-channel'
  | 'identity'
  | 'status'
  | 'broadcast'
  | 'platform-audit';

/** Topic names with no parameter. Status topics are per sender: see statusTopic. */
export const TOPICS = {
  requests: 'smis.requests.v1',
  appChannel: 'smis.channel.app.v1',
  smsChannel: 'smis.channel.sms.v1',
  emailChannel: 'smis.channel.email.v1',
  events: 'smis.events.v1',
  broadcasts: 'smis.broadcasts.v1',
  preferences: 'smis.preferences.v1',
  otpRequests: 'smis.enrolment.otp.v1',
  enrolmentAudit: 'smis.enrolment.audit.v1',
  phoneRegistrations: 'smis.registrations.phone.v1',
  emailRegistrations: 'smis.registrations.email.v1',
  deviceRegistrations: 'smis.registrations.device.v1',
} as const;

export type TopicId = keyof typeof TOPICS | 'status';

export interface TopicKey {
  /** The value field the key repeats, when there is one. */
  readonly field: string | undefined;
  /** `utf8`: the key is a UTF-8 string; `binary`: raw bytes. Keys are never Avro-encoded. */
  readonly encoding: 'utf8' | 'binary';
  readonly description: string;
}

export interface TopicContract {
  readonly id: TopicId;
  /** The topic name, or for status topics the pattern `smis.status.{senderId}.v1`. */
  readonly address: string;
  readonly description: string;
  readonly key: TopicKey;
  /** The record every value is (see RecordTypes); compacted topics also carry null tombstones. */
  readonly value: RecordName;
  readonly producers: readonly Party[];
  readonly consumers: readonly Party[];
  /** `cleanup.policy=compact`: the latest value per key is kept forever. */
  readonly compacted: boolean;
}

const messageIdKey: TopicKey = {
  field: 'messageId',
  encoding: 'utf8',
  description: 'The messageId (UUID): all records about one message stay in order on one partition.',
};

export const STATUS_TOPIC_PATTERN = 'smis.status.{senderId}.v1';

/** Every topic of the platform: key, value, who produces, who consumes. */
export const TOPIC_CONTRACTS: readonly TopicContract[] = [
  {
    id: 'requests',
    address: TOPICS.requests,
    description:
      'Signed, encrypted message requests from sender systems (through the SDK or the REST gateway).',
    key: messageIdKey,
    value: 'MessageRequest',
    producers: ['sender-system', 'gateway'],
    consumers: ['router'],
    compacted: false,
  },
  {
    id: 'appChannel',
    address: TOPICS.appChannel,
    description: 'Delivery jobs for the app channel: the envelope and the app-domain encrypted pseudonym.',
    key: messageIdKey,
    value: 'AppChannelJob',
    producers: ['router'],
    consumers: ['app-channel'],
    compacted: false,
  },
  {
    id: 'smsChannel',
    address: TOPICS.smsChannel,
    description:
      'Delivery jobs for the SMS channel: the sealed SMS text and the SMS-domain encrypted pseudonym.',
    key: messageIdKey,
    value: 'SmsChannelJob',
    producers: ['router'],
    consumers: ['sms-channel'],
    compacted: false,
  },
  {
    id: 'emailChannel',
    address: TOPICS.emailChannel,
    description:
      'Delivery jobs for the e-mail channel: the sealed e-mail and the e-mail-domain encrypted pseudonym.',
    key: messageIdKey,
    value: 'EmailChannelJob',
    producers: ['router'],
    consumers: ['email-channel'],
    compacted: false,
  },
  {
    id: 'events',
    address: TOPICS.events,
    description:
      'Delivery events of every message and channel: the router drives fallback from them, the status service informs senders.',
    key: messageIdKey,
    value: 'DeliveryEvent',
    producers: ['router', 'app-channel', 'sms-channel', 'email-channel'],
    consumers: ['router', 'status'],
    compacted: false,
  },
  {
    id: 'status',
    address: STATUS_TOPIC_PATTERN,
    description:
      "One topic per sender system with its messages' statuses; the sender's ACL allows it to read its own topic only.",
    key: messageIdKey,
    value: 'MessageStatus',
    producers: ['status'],
    consumers: ['sender-system'],
    compacted: false,
  },
  {
    id: 'broadcasts',
    address: TOPICS.broadcasts,
    description: 'Signed broadcasts to an audience (everyone, regions, an explicit list).',
    key: { field: 'broadcastId', encoding: 'utf8', description: 'The broadcastId (UUID).' },
    value: 'Broadcast',
    producers: ['sender-system', 'gateway'],
    consumers: ['broadcast'],
    compacted: false,
  },
  {
    id: 'preferences',
    address: TOPICS.preferences,
    description:
      "Each citizen's current delivery preferences, compacted: the latest value per citizen; a tombstone erases them.",
    key: {
      field: undefined,
      encoding: 'binary',
      description:
        "The citizen's router-domain pseudonym: the 32-byte ristretto255 point the router decrypts, stable per citizen (never the re-randomized ciphertext).",
    },
    value: 'PreferenceUpdate',
    producers: ['app-channel'],
    consumers: ['router'],
    compacted: true,
  },
  {
    id: 'otpRequests',
    address: TOPICS.otpRequests,
    description:
      'One-time codes to send by SMS during enrolment; number and code are sealed to the SMS channel.',
    key: { field: 'enrolmentId', encoding: 'utf8', description: 'The enrolmentId (UUID).' },
    value: 'OtpRequest',
    producers: ['identity'],
    consumers: ['sms-channel'],
    compacted: false,
  },
  {
    id: 'enrolmentAudit',
    address: TOPICS.enrolmentAudit,
    description: 'The audit trail of enrolments: outcomes only, no code, no number, no identity.',
    key: { field: 'enrolmentId', encoding: 'utf8', description: 'The enrolmentId (UUID).' },
    value: 'EnrolmentAuditEvent',
    producers: ['identity'],
    consumers: ['platform-audit'],
    compacted: false,
  },
  {
    id: 'phoneRegistrations',
    address: TOPICS.phoneRegistrations,
    description:
      "Which sealed phone number belongs to an SMS-domain pseudonym, for the SMS channel's directory.",
    key: { field: 'registrationId', encoding: 'utf8', description: 'The registrationId (UUID).' },
    value: 'PhoneRegistration',
    producers: ['identity'],
    consumers: ['sms-channel'],
    compacted: false,
  },
  {
    id: 'emailRegistrations',
    address: TOPICS.emailRegistrations,
    description:
      "Which sealed e-mail address belongs to an e-mail-domain pseudonym, for the e-mail channel's directory.",
    key: { field: 'registrationId', encoding: 'utf8', description: 'The registrationId (UUID).' },
    value: 'EmailRegistration',
    producers: ['identity'],
    consumers: ['email-channel'],
    compacted: false,
  },
  {
    id: 'deviceRegistrations',
    address: TOPICS.deviceRegistrations,
    description:
      "Devices registered and revoked, with their public keys, for the app channel's key directory.",
    key: {
      field: 'deviceId',
      encoding: 'utf8',
      description: 'The opaque deviceId: all events of one device in order.',
    },
    value: 'DeviceRegistration',
    producers: ['identity'],
    consumers: ['app-channel'],
    compacted: false,
  },
];

/** Sender ids name topics, so they are restricted to what cannot clash: 1-64 of [a-z0-9-], no hyphen at either end. */
export const SENDER_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function isValidSenderId(senderId: string): boolean {
  return SENDER_ID_PATTERN.test(senderId);
}

/** The status topic of one sender system: `smis.status.<senderId>.v1`. */
export function statusTopic(senderId: string): string {
  if (!isValidSenderId(senderId)) {
    throw new TypeError(
      `Invalid senderId ${JSON.stringify(senderId)}: a sender id is 1-64 characters of a-z, 0-9 and '-', ` +
        "not starting or ending with '-' (it names the sender's status topic).",
    );
  }
  return `smis.status.${senderId}.v1`;
}

const STATUS_TOPIC = /^smis\.status\.([a-z0-9-]+)\.v1$/;
const RETRY_SUFFIX = /\.retry\.([1-9][0-9]*)$/;
const DLQ_SUFFIX = '.dlq';

/**
 * The retry topic for the n-th retry (n >= 1) of records from `topic`: `<topic>.retry.<n>`.
 * Any source topic name is accepted (tests use their own), but not a retry or DLQ topic.
 */
export function retryTopic(topic: string, attempt: number): string {
  assertSourceTopic(topic);
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new TypeError(`Invalid retry attempt ${attempt}: retry topics are numbered from 1.`);
  }
  return `${topic}.retry.${attempt}`;
}

/** The dead-letter topic of `topic`: `<topic>.dlq`. */
export function dlqTopic(topic: string): string {
  assertSourceTopic(topic);
  return `${topic}${DLQ_SUFFIX}`;
}

/** Headers a consumer puts on a record it sends to a retry topic or a DLQ. */
export const DLQ_HEADERS = {
  /** The error's message: what was wrong (for DLQs, also what to do). */
  reason: 'smis-dlq-reason',
  /** The error's name, for example `UnknownSchemaError`. */
  error: 'smis-dlq-error',
  sourceTopic: 'smis-source-topic',
  sourcePartition: 'smis-source-partition',
  sourceOffset: 'smis-source-offset',
  /** How many times the record was tried, this time included. */
  attempts: 'smis-attempts',
  /** ISO 8601 instant of the last failure. */
  failedAt: 'smis-failed-at',
} as const;

export interface TopicDescription {
  readonly contract: TopicContract;
  /** The source topic (without any retry or DLQ suffix). */
  readonly sourceTopic: string;
  readonly kind: 'source' | 'retry' | 'dlq';
  /** For retry topics: the retry number. */
  readonly attempt: number | undefined;
  /** For status topics: the sender the topic belongs to. */
  readonly senderId: string | undefined;
}

/** What a concrete topic name is (its contract, whether it is a retry or DLQ topic), or undefined if unknown. */
export function describeTopic(topic: string): TopicDescription | undefined {
  let source = topic;
  let kind: TopicDescription['kind'] = 'source';
  let attempt: number | undefined;
  const retry = RETRY_SUFFIX.exec(topic);
  if (retry) {
    source = topic.slice(0, retry.index);
    kind = 'retry';
    attempt = Number(retry[1]);
  } else if (topic.endsWith(DLQ_SUFFIX)) {
    source = topic.slice(0, -DLQ_SUFFIX.length);
    kind = 'dlq';
  }
  const status = STATUS_TOPIC.exec(source);
  const senderId = status && isValidSenderId(status[1] as string) ? status[1] : undefined;
  const contract = senderId
    ? TOPIC_CONTRACTS.find((c) => c.id === 'status')
    : TOPIC_CONTRACTS.find((c) => c.id !== 'status' && c.address === source);
  if (!contract) return undefined;
  return { contract, sourceTopic: source, kind, attempt, senderId };
}

const KAFKA_TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function assertSourceTopic(topic: string): void {
  if (!KAFKA_TOPIC_NAME.test(topic)) {
    throw new TypeError(
      `Invalid topic name ${JSON.stringify(topic)}: Kafka allows 1-249 characters of a-z, A-Z, 0-9, '.', '_' and '-'.`,
    );
  }
  if (RETRY_SUFFIX.test(topic) || topic.endsWith(DLQ_SUFFIX)) {
    throw new TypeError(
      `${topic} is already a retry or DLQ topic: name retry and DLQ topics after the source topic.`,
    );
  }
}
