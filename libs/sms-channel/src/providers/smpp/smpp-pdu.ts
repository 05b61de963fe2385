/**
 * The SMPP 3.4 PDUs an ESME (transceiver) needs: bind_transceiver, submit_sm, deliver_sm,
 * enquire_link, unbind, generic_nack and their responses. Header: command_length,
 * command_id, command_status, sequence_number (4 octets each, big-endian); C-octet strings are
 * NUL-terminated; optional parameters are TLVs (tag 2, length 2, value).
 */

export const COMMAND = {
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

export const STATUS = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RMSGQFUL: 0x14,
  ESME_RTHROTTLED: 0x58,
  ESME_RX_T_APPN: 0x64,
} as const;

export const TLV = {
  receipted_message_id: 0x001e,
  message_payload: 0x0424,
  message_state: 0x0427,
  /** Vendor-specific range: our client reference (an SMSC that does not know it ignores it). */
  client_reference: 0x1501,
} as const;

export const HEADER_LENGTH = 16;
export const MAX_PDU_LENGTH = 64 * 1024;

export interface Pdu {
  commandId: number;
  status: number;
  sequence: number;
  body: Buffer;
}

export function encodePdu(pdu: Pdu): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(HEADER_LENGTH + pdu.body.length, 0);
  header.writeUInt32BE(pdu.commandId >>> 0, 4);
  header.writeUInt32BE(pdu.status >>> 0, 8);
  header.writeUInt32BE(pdu.sequence >>> 0, 12);
  return Buffer.concat([header, pdu.body]);
}

/** Splits a byte stream into PDUs; keeps what is left for the next chunk. */
export class PduReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Pdu[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Pdu[] = [];
    while (this.pending.length >= HEADER_LENGTH) {
      const length = this.pending.readUInt32BE(0);
      if (length < HEADER_LENGTH || length > MAX_PDU_LENGTH)
        throw new RangeError(`Invalid PDU length ${length}`);
      if (this.pending.length < length) break;
      out.push({
        commandId: this.pending.readUInt32BE(4),
        status: this.pending.readUInt32BE(8),
        sequence: this.pending.readUInt32BE(12),
        body: Buffer.from(this.pending.subarray(HEADER_LENGTH, length)),
      });
      this.pending = this.pending.subarray(length);
    }
    return out;
  }
}

export function cString(value: string, maxLength: number): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  if (bytes.length >= maxLength) throw new RangeError(`C-octet string longer than ${maxLength - 1}`);
  return Buffer.concat([bytes, Buffer.from([0])]);
}

export function tlv(tag: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(tag, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value]);
}

export class BodyReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    if (this.offset >= this.buf.length) throw new RangeError('PDU body too short');
    return this.buf.readUInt8(this.offset++);
  }
  cString(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new RangeError('Unterminated C-octet string');
    const value = this.buf.toString('latin1', this.offset, end);
    this.offset = end + 1;
    return value;
  }
  bytes(length: number): Buffer {
    if (this.offset + length > this.buf.length) throw new RangeError('PDU body too short');
    const value = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  tlvs(): Map<number, Buffer> {
    const out = new Map<number, Buffer>();
    while (this.offset + 4 <= this.buf.length) {
      const tag = this.buf.readUInt16BE(this.offset);
      const length = this.buf.readUInt16BE(this.offset + 2);
      this.offset += 4;
      out.set(tag, this.bytes(length));
    }
    return out;
  }
}

export interface BindTransceiver {
  systemId: string;
  password: string;
  systemType: string;
}

export function bindTransceiverBody(bind: BindTransceiver): Buffer {
  return Buffer.concat([
    cString(bind.systemId, 16),
    cString(bind.password, 9),
    cString(bind.systemType, 13),
    Buffer.from([0x34, 0, 0]), // interface_version 3.4, addr_ton, addr_npi
    cString('', 41), // address_range
  ]);
}

export interface SubmitSm {
  sourceAddr: string;
  /** Alphanumeric originators use TON 5 (alphanumeric), NPI 0; numbers TON 1, NPI 1. */
  destinationAddr: string;
  /** 0: SMSC default (GSM 03.38), 8: UCS-2. */
  dataCoding: number;
  message: Buffer;
  registeredDelivery: boolean;
  clientReference?: string;
}

export function submitSmBody(sm: SubmitSm): Buffer {
  const alphanumeric = /[^0-9+]/.test(sm.sourceAddr);
  const usePayload = sm.message.length > 254;
  return Buffer.concat([
    cString('', 6), // service_type
    Buffer.from(alphanumeric ? [5, 0] : [1, 1]),
    cString(sm.sourceAddr.replace(/^\+/, ''), 21),
    Buffer.from([1, 1]), // international, ISDN
    cString(sm.destinationAddr.replace(/^\+/, ''), 21),
    Buffer.from([0, 0, 0]), // esm_class, protocol_id, priority_flag
    cString('', 17), // schedule_delivery_time
    cString('', 17), // validity_period
    Buffer.from([sm.registeredDelivery ? 1 : 0, 0, sm.dataCoding, 0, usePayload ? 0 : sm.message.length]),
    usePayload ? Buffer.alloc(0) : sm.message,
    usePayload ? tlv(TLV.message_payload, sm.message) : Buffer.alloc(0),
    sm.clientReference
      ? tlv(TLV.client_reference, Buffer.from(sm.clientReference, 'latin1'))
      : Buffer.alloc(0),
  ]);
}

export interface DeliverSm {
  sourceAddr: string;
  esmClass: number;
  shortMessage: Buffer;
  tlvs: Map<number, Buffer>;
}

export function parseDeliverSm(body: Buffer): DeliverSm {
  const r = new BodyReader(body);
  r.cString();
  r.u8();
  r.u8();
  const sourceAddr = r.cString();
  r.u8();
  r.u8();
  r.cString();
  const esmClass = r.u8();
  r.u8();
  r.u8();
  r.cString();
  r.cString();
  r.u8();
  r.u8();
  r.u8();
  r.u8();
  const length = r.u8();
  const shortMessage = r.bytes(length);
  return { sourceAddr, esmClass, shortMessage, tlvs: r.tlvs() };
}

export interface DeliveryReceipt {
  messageId: string;
  /** DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD. */
  stat: string;
  err?: string;
}

const MESSAGE_STATES: Record<number, string> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

/** A delivery receipt (esm_class bit 2): TLVs when present, the text format of Appendix B otherwise. */
export function parseDeliveryReceipt(sm: DeliverSm): DeliveryReceipt | undefined {
  if ((sm.esmClass & 0x3c) !== 0x04) return undefined;
  const text = (
    sm.shortMessage.length ? sm.shortMessage : (sm.tlvs.get(TLV.message_payload) ?? Buffer.alloc(0))
  ).toString('latin1');
  const field = (name: string) => new RegExp(`(?:^|\\s)${name}:(\\S*)`, 'i').exec(text)?.[1];
  const tlvId = sm.tlvs.get(TLV.receipted_message_id)?.toString('latin1').replace(/\0+$/, '');
  const tlvState = sm.tlvs.get(TLV.message_state);
  const messageId = tlvId || field('id');
  const stat = (tlvState?.length ? MESSAGE_STATES[tlvState[0]] : undefined) ?? field('stat')?.toUpperCase();
  if (!messageId || !stat) return undefined;
  return { messageId, stat, err: field('err') };
}
