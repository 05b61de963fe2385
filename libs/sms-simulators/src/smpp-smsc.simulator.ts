import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  ChangeWaiter,
  DEFAULT_BEHAVIOUR,
  delay,
  type ProviderBehaviour,
  type ReceivedSms,
} from './behaviour';

/**
 * A local SMSC speaking SMPP 3.4 over TCP: bind_transceiver (checks system_id and password),
 * submit_sm (short_message or message_payload TLV; data_coding 0 = GSM 03.38 unpacked, 8 = UCS-2),
 * deliver_sm delivery receipts (receipted_message_id and message_state TLVs and the usual
 * `id:… stat:DELIVRD err:000` text), enquire_link, unbind, generic_nack for anything else.
 *
 * Deliberately its own PDU code, independent of the channel's client: the two implementations
 * meet only on the wire, as with a real SMSC.
 *
 * The client reference a client puts in the vendor-specific TLV 0x1501 is recorded (tests and the
 * channel's reconciliation use it; a real SMSC would ignore it).
 */
export interface SmppSmscSimulatorOptions {
  port?: number;
  host?: string;
  systemId?: string;
  password?: string;
  behaviour?: Partial<ProviderBehaviour>;
}

export interface SmppSmscSimulator {
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly received: readonly ReceivedSms[];
  accepted(): ReceivedSms[];
  readonly behaviour: Readonly<ProviderBehaviour>;
  configure(behaviour: Partial<ProviderBehaviour>): void;
  waitFor(predicate: (sms: ReceivedSms) => boolean, timeoutMs?: number): Promise<ReceivedSms>;
  /** Sessions bound right now. */
  boundSessions(): number;
  /** Resolves once at least `count` sessions are bound. */
  waitForBound(count?: number, timeoutMs?: number): Promise<void>;
  /** enquire_link requests answered so far. */
  readonly enquireLinks: number;
  /** Successful binds so far (a reconnecting client binds again). */
  readonly binds: number;
  /** Drops every connection at once (a network failure), without unbind. */
  dropConnections(): void;
  reset(): void;
  close(): Promise<void>;
}

export const SMPP_COMMANDS = {
  generic_nack: 0x80000000,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
} as const;

const ESME_ROK = 0x00;
const ESME_RINVCMDID = 0x03;
const ESME_RINVBNDSTS = 0x04;
const ESME_RSYSERR = 0x08;
const ESME_RINVDSTADR = 0x0b;
const ESME_RBINDFAIL = 0x0d;
const ESME_RINVPASWD = 0x0e;
const TLV_MESSAGE_PAYLOAD = 0x0424;
const TLV_RECEIPTED_MESSAGE_ID = 0x001e;
const TLV_MESSAGE_STATE = 0x0427;
const TLV_CLIENT_REFERENCE = 0x1501;

// GSM 03.38 default alphabet and extension table (escape 0x1B), for decoding unpacked septets.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION: Record<number, string> = {
  0x0a: '\f',
  0x14: '^',
  0x28: '{',
  0x29: '}',
  0x2f: '\\',
  0x3c: '[',
  0x3d: '~',
  0x3e: ']',
  0x40: '|',
  0x65: '€',
};

function decodeGsmUnpacked(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x1b && i + 1 < bytes.length) {
      out += GSM_EXTENSION[bytes[++i]] ?? ' ';
    } else out += GSM_BASIC[bytes[i] & 0x7f] ?? '?';
  }
  return out;
}

function decodeUcs2(bytes: Buffer): string {
  const swapped = Buffer.from(bytes);
  swapped.swap16();
  return swapped.toString('utf16le');
}

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    return this.buf.readUInt8(this.offset++);
  }
  cstr(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new Error('unterminated C-octet string');
    const value = this.buf.toString('latin1', this.offset, end);
    this.offset = end + 1;
    return value;
  }
  bytes(n: number): Buffer {
    const value = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return value;
  }
  tlvs(): Map<number, Buffer> {
    const out = new Map<number, Buffer>();
    while (this.offset + 4 <= this.buf.length) {
      const tag = this.buf.readUInt16BE(this.offset);
      const len = this.buf.readUInt16BE(this.offset + 2);
      this.offset += 4;
      out.set(tag, this.bytes(len));
    }
    return out;
  }
}

function pdu(commandId: number, status: number, sequence: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(commandId >>> 0, 4);
  header.writeUInt32BE(status, 8);
  header.writeUInt32BE(sequence, 12);
  return Buffer.concat([header, body]);
}

const cstr = (value: string): Buffer => Buffer.concat([Buffer.from(value, 'latin1'), Buffer.from([0])]);

function tlv(tag: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(tag, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value]);
}

function smppDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

interface Session {
  socket: Socket;
  bound: boolean;
  sequence: number;
}

export async function startSmppSmscSimulator(
  options: SmppSmscSimulatorOptions = {},
): Promise<SmppSmscSimulator> {
  const systemId = options.systemId ?? 'smis';
  const password = options.password ?? 'secret';
  let behaviour: ProviderBehaviour = { ...DEFAULT_BEHAVIOUR, ...options.behaviour };
  const received: ReceivedSms[] = [];
  const sessions = new Set<Session>();
  const changes = new ChangeWaiter();
  const timers = new Set<NodeJS.Timeout>();
  let enquireLinks = 0;
  let binds = 0;

  function send(session: Session, data: Buffer): void {
    if (!session.socket.destroyed) session.socket.write(data);
  }

  function deliverReceipt(sms: ReceivedSms, state: 'DELIVRD' | 'UNDELIV' | 'EXPIRED'): void {
    const target = [...sessions].find((s) => s.bound);
    if (!target) return;
    const now = new Date();
    const err = state === 'DELIVRD' ? '000' : behaviour.reportErrorCode.padStart(3, '0').slice(-3);
    const text = `id:${sms.providerMessageId} sub:001 dlvrd:${state === 'DELIVRD' ? '001' : '000'} submit date:${smppDate(new Date(sms.receivedAt))} done date:${smppDate(now)} stat:${state} err:${err} text:`;
    const shortMessage = Buffer.from(text, 'latin1');
    const body = Buffer.concat([
      cstr(''), // service_type
      Buffer.from([1, 1]),
      cstr(sms.to), // source: the handset
      Buffer.from([1, 1]),
      cstr(sms.from),
      Buffer.from([0x04, 0, 0]), // esm_class: SMSC delivery receipt; protocol_id; priority_flag
      cstr(''),
      cstr(''),
      Buffer.from([0, 0, 0, 0, shortMessage.length]),
      shortMessage,
      tlv(TLV_RECEIPTED_MESSAGE_ID, cstr(sms.providerMessageId as string)),
      tlv(TLV_MESSAGE_STATE, Buffer.from([state === 'DELIVRD' ? 2 : state === 'EXPIRED' ? 3 : 5])),
    ]);
    target.sequence = (target.sequence % 0x7fffffff) + 1;
    send(target, pdu(SMPP_COMMANDS.deliver_sm, ESME_ROK, target.sequence, body));
  }

  async function onSubmit(session: Session, sequence: number, body: Buffer): Promise<void> {
    const r = new Reader(body);
    r.cstr(); // service_type
    r.u8();
    r.u8();
    const from = r.cstr();
    r.u8();
    r.u8();
    const to = r.cstr();
    r.u8(); // esm_class
    r.u8(); // protocol_id
    r.u8(); // priority_flag
    r.cstr(); // schedule_delivery_time
    r.cstr(); // validity_period
    const registeredDelivery = r.u8();
    r.u8(); // replace_if_present_flag
    const dataCoding = r.u8();
    r.u8(); // sm_default_msg_id
    const smLength = r.u8();
    const shortMessage = r.bytes(smLength);
    const tlvs = r.tlvs();
    const payload = smLength > 0 ? shortMessage : (tlvs.get(TLV_MESSAGE_PAYLOAD) ?? Buffer.alloc(0));
    const encoding = dataCoding === 0x08 ? 'UCS2' : 'GSM7';
    const text = encoding === 'UCS2' ? decodeUcs2(payload) : decodeGsmUnpacked(payload);
    const reference = tlvs.get(TLV_CLIENT_REFERENCE)?.toString('latin1').replace(/\0+$/, '');
    const current = behaviour;
    await delay(current.submitDelayMs);
    const outcome = current.mode === 'accept' ? 'accepted' : current.mode === 'fail' ? 'failed' : 'rejected';
    const sms: ReceivedSms = {
      providerMessageId: outcome === 'accepted' ? randomBytes(8).toString('hex') : undefined,
      clientReference: reference || undefined,
      from,
      to,
      text,
      encoding,
      outcome,
      receivedAt: Date.now(),
    };
    received.push(sms);
    if (outcome === 'accepted') {
      send(
        session,
        pdu(SMPP_COMMANDS.submit_sm_resp, ESME_ROK, sequence, cstr(sms.providerMessageId as string)),
      );
      if ((registeredDelivery & 0x03) !== 0 && current.report !== 'none') {
        const state =
          current.report === 'delivered' ? 'DELIVRD' : current.report === 'expired' ? 'EXPIRED' : 'UNDELIV';
        const timer = setTimeout(() => {
          timers.delete(timer);
          deliverReceipt(sms, state);
        }, current.reportDelayMs);
        timers.add(timer);
      }
    } else {
      const status = outcome === 'failed' ? ESME_RSYSERR : ESME_RINVDSTADR;
      send(session, pdu(SMPP_COMMANDS.submit_sm_resp, status, sequence, cstr('')));
    }
    changes.notify();
  }

  function onPdu(session: Session, commandId: number, sequence: number, body: Buffer): void {
    switch (commandId) {
      case SMPP_COMMANDS.bind_transceiver: {
        const r = new Reader(body);
        const id = r.cstr();
        const pass = r.cstr();
        const status = id !== systemId ? ESME_RBINDFAIL : pass !== password ? ESME_RINVPASWD : ESME_ROK;
        session.bound = status === ESME_ROK;
        if (session.bound) binds++;
        send(session, pdu(SMPP_COMMANDS.bind_transceiver_resp, status, sequence, cstr('smis-smsc-sim')));
        changes.notify();
        return;
      }
      case SMPP_COMMANDS.submit_sm:
        if (!session.bound) {
          send(session, pdu(SMPP_COMMANDS.submit_sm_resp, ESME_RINVBNDSTS, sequence, cstr('')));
          return;
        }
        void onSubmit(session, sequence, body).catch(() =>
          send(session, pdu(SMPP_COMMANDS.generic_nack, ESME_RSYSERR, sequence)),
        );
        return;
      case SMPP_COMMANDS.enquire_link:
        enquireLinks++;
        send(session, pdu(SMPP_COMMANDS.enquire_link_resp, ESME_ROK, sequence));
        return;
      case SMPP_COMMANDS.unbind:
        session.bound = false;
        send(session, pdu(SMPP_COMMANDS.unbind_resp, ESME_ROK, sequence));
        session.socket.end();
        return;
      case SMPP_COMMANDS.deliver_sm_resp:
      case SMPP_COMMANDS.enquire_link_resp:
      case SMPP_COMMANDS.unbind_resp:
        return;
      default:
        send(session, pdu(SMPP_COMMANDS.generic_nack, ESME_RINVCMDID, sequence));
    }
  }

  const server: Server = createServer((socket) => {
    const session: Session = { socket, bound: false, sequence: 0 };
    sessions.add(session);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 16) {
        const length = pending.readUInt32BE(0);
        if (length < 16 || length > 64 * 1024) {
          socket.destroy();
          return;
        }
        if (pending.length < length) break;
        const frame = pending.subarray(0, length);
        pending = pending.subarray(length);
        try {
          onPdu(session, frame.readUInt32BE(4), frame.readUInt32BE(12), frame.subarray(16));
        } catch {
          send(session, pdu(SMPP_COMMANDS.generic_nack, ESME_RSYSERR, frame.readUInt32BE(12)));
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sessions.delete(session);
      changes.notify();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const boundCount = () => [...sessions].filter((s) => s.bound).length;

  return {
    host: options.host ?? '127.0.0.1',
    port,
    systemId,
    password,
    received,
    accepted: () => received.filter((r) => r.outcome === 'accepted'),
    get behaviour() {
      return behaviour;
    },
    get enquireLinks() {
      return enquireLinks;
    },
    get binds() {
      return binds;
    },
    configure(change) {
      behaviour = { ...behaviour, ...change };
    },
    waitFor: (predicate, timeoutMs) =>
      changes.until(() => received.find(predicate), 'a matching SMS at the SMPP simulator', timeoutMs),
    boundSessions: boundCount,
    waitForBound: (count = 1, timeoutMs) =>
      changes
        .until(() => (boundCount() >= count ? true : undefined), `${count} bound SMPP session(s)`, timeoutMs)
        .then(() => undefined),
    dropConnections() {
      for (const s of sessions) s.socket.destroy();
    },
    reset() {
      received.length = 0;
      behaviour = { ...DEFAULT_BEHAVIOUR, ...options.behaviour };
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const s of sessions) s.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
