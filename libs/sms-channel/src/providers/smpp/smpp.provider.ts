import { Logger } from '@nestjs/common';
import { connect, type Socket } from 'node:net';
import type { SmppProviderConfig } from '../../config';
import { encodeGsm7Unpacked, encodeUcs2 } from '../../encoding/sms-encoding';
import {
  ProviderOutcomeUnknownError,
  ProviderRejectedError,
  ProviderUnavailableError,
  type DeliveryReport,
  type SmsProvider,
  type SmsSubmission,
  type SubmitResult,
} from '../sms-provider';
import {
  bindTransceiverBody,
  COMMAND,
  encodePdu,
  parseDeliverSm,
  parseDeliveryReceipt,
  PduReader,
  STATUS,
  submitSmBody,
  type Pdu,
} from './smpp-pdu';

interface Pending {
  resolve(pdu: Pdu): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Answers that mean "not taken, another provider may do better". */
const TRANSIENT = new Set<number>([
  STATUS.ESME_RSYSERR,
  STATUS.ESME_RMSGQFUL,
  STATUS.ESME_RTHROTTLED,
  STATUS.ESME_RINVBNDSTS,
]);

/**
 * An SMPP 3.4 transceiver session: binds, keeps the link alive with enquire_link, reconnects
 * with backoff when the link drops, submits with submit_sm (registered delivery) and turns
 * deliver_sm receipts into delivery reports. Plain SMPP cannot be asked "did you take
 * reference X?", so there is no `lookup`: an interrupted submission is not repeated (ADR 0701).
 */
export class SmppProvider implements SmsProvider {
  readonly kind = 'smpp';
  private readonly logger: Logger;
  private socket?: Socket;
  private bound = false;
  private sequence = 0;
  private readonly pending = new Map<number, Pending>();
  private enquireTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelay: number;
  private stopped = true;
  private onReport: (report: DeliveryReport) => Promise<void> = async () => undefined;
  private boundWaiters: Array<() => void> = [];

  constructor(
    readonly id: string,
    private readonly config: SmppProviderConfig,
  ) {
    this.logger = new Logger(`SmsChannel:smpp:${id}`);
    this.reconnectDelay = config.reconnectDelayMs;
  }

  get isBound(): boolean {
    return this.bound;
  }

  async start(onReport: (report: DeliveryReport) => Promise<void>): Promise<void> {
    this.onReport = onReport;
    this.stopped = false;
    // Not awaited past the first attempt: a provider that is down at start-up must not stop the
    // service; it keeps reconnecting and the failover sends elsewhere meanwhile.
    await this.connect().catch((error: unknown) => {
      this.logger.warn(`First bind failed (${(error as Error).message}); retrying in the background`);
      this.scheduleReconnect();
    });
  }

  /** Resolves once bound (for tests and start-up ordering). */
  whenBound(timeoutMs = 10_000): Promise<void> {
    if (this.bound) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`SMPP provider ${this.id} not bound after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.boundWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = connect({ host: this.config.host, port: this.config.port });
      const reader = new PduReader();
      this.socket = socket;
      let settled = false;
      socket.setNoDelay(true);
      socket.once('connect', () => {
        this.request(COMMAND.bind_transceiver, bindTransceiverBody(this.config))
          .then((resp) => {
            if (resp.status !== STATUS.ESME_ROK)
              throw new Error(`bind refused with status 0x${resp.status.toString(16)}`);
            this.bound = true;
            this.reconnectDelay = this.config.reconnectDelayMs;
            this.startEnquireLink();
            this.logger.log(`Bound to ${this.config.host}:${this.config.port}`);
            for (const waiter of this.boundWaiters.splice(0)) waiter();
            settled = true;
            resolve();
          })
          .catch((error: Error) => {
            settled = true;
            socket.destroy();
            reject(error);
          });
      });
      socket.on('data', (chunk: Buffer) => {
        try {
          for (const pdu of reader.push(chunk)) this.onPdu(pdu);
        } catch (error) {
          this.logger.warn(`Malformed data from the SMSC: ${(error as Error).message}`);
          socket.destroy();
        }
      });
      socket.on('error', (error) => {
        if (!settled) {
          settled = true;
          reject(error);
        }
      });
      socket.on('close', () => this.onClose(socket));
    });
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.bound = false;
    clearInterval(this.enquireTimer);
    for (const [sequence, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('connection closed'));
      this.pending.delete(sequence);
    }
    if (!this.stopped) {
      this.logger.warn('SMPP link lost; reconnecting');
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const wait = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.config.maxReconnectDelayMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch(() => this.scheduleReconnect());
    }, wait);
  }

  private startEnquireLink(): void {
    clearInterval(this.enquireTimer);
    this.enquireTimer = setInterval(() => {
      this.request(COMMAND.enquire_link, Buffer.alloc(0)).catch(() => {
        // No answer to a keep-alive: the link is dead even if TCP has not noticed.
        this.socket?.destroy();
      });
    }, this.config.enquireLinkIntervalMs);
    this.enquireTimer.unref();
  }

  private nextSequence(): number {
    this.sequence = (this.sequence % 0x7fffffff) + 1;
    return this.sequence;
  }

  private write(pdu: Pdu): void {
    this.socket?.write(encodePdu(pdu));
  }

  private request(commandId: number, body: Buffer): Promise<Pdu> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new Error('not connected'));
    const sequence = this.nextSequence();
    return new Promise<Pdu>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(sequence);
        reject(new Error('timeout'));
      }, this.config.timeoutMs);
      this.pending.set(sequence, { resolve, reject, timer });
      this.write({ commandId, status: 0, sequence, body });
    });
  }

  private onPdu(pdu: Pdu): void {
    if (pdu.commandId & 0x80000000) {
      const waiting = this.pending.get(pdu.sequence);
      if (!waiting) return;
      this.pending.delete(pdu.sequence);
      clearTimeout(waiting.timer);
      waiting.resolve(pdu);
      return;
    }
    switch (pdu.commandId) {
      case COMMAND.enquire_link:
        this.write({
          commandId: COMMAND.enquire_link_resp,
          status: 0,
          sequence: pdu.sequence,
          body: Buffer.alloc(0),
        });
        return;
      case COMMAND.unbind:
        this.write({
          commandId: COMMAND.unbind_resp,
          status: 0,
          sequence: pdu.sequence,
          body: Buffer.alloc(0),
        });
        this.socket?.end();
        return;
      case COMMAND.deliver_sm:
        void this.onDeliverSm(pdu);
        return;
      default:
        this.write({
          commandId: COMMAND.generic_nack,
          status: STATUS.ESME_RINVCMDID,
          sequence: pdu.sequence,
          body: Buffer.alloc(0),
        });
    }
  }

  private async onDeliverSm(pdu: Pdu): Promise<void> {
    let status: number = STATUS.ESME_ROK;
    try {
      const receipt = parseDeliveryReceipt(parseDeliverSm(pdu.body));
      // Mobile-originated messages are not handled by this channel: acknowledged and dropped.
      if (receipt) {
        const delivered = receipt.stat === 'DELIVRD';
        const err = receipt.err && /^[0-9A-Za-z]{1,8}$/.test(receipt.err) ? receipt.err : undefined;
        await this.onReport({
          providerId: this.id,
          providerMessageId: receipt.messageId,
          outcome: delivered ? 'DELIVERED' : 'FAILED',
          reason: delivered
            ? undefined
            : `sms.operator.${receipt.stat.toLowerCase()}${err ? `.err-${err}` : ''}`,
        });
      }
    } catch (error) {
      // Not recorded: ask the SMSC to deliver the receipt again later.
      this.logger.warn(`Delivery receipt not recorded: ${(error as Error).message}`);
      status = STATUS.ESME_RX_T_APPN;
    }
    this.write({
      commandId: COMMAND.deliver_sm_resp,
      status,
      sequence: pdu.sequence,
      body: Buffer.from([0]),
    });
  }

  async submit(sms: SmsSubmission): Promise<SubmitResult> {
    if (!this.bound) throw new ProviderUnavailableError(this.id, 'not bound');
    const body = submitSmBody({
      sourceAddr: sms.from,
      destinationAddr: sms.to,
      dataCoding: sms.encoding === 'UCS2' ? 0x08 : 0x00,
      message: sms.encoding === 'UCS2' ? encodeUcs2(sms.text) : encodeGsm7Unpacked(sms.text),
      registeredDelivery: true,
      clientReference: sms.clientReference,
    });
    let resp: Pdu;
    try {
      resp = await this.request(COMMAND.submit_sm, body);
    } catch (error) {
      throw new ProviderOutcomeUnknownError(this.id, (error as Error).message);
    }
    if (resp.commandId === COMMAND.generic_nack)
      throw new ProviderUnavailableError(this.id, `generic_nack 0x${resp.status.toString(16)}`);
    if (resp.status === STATUS.ESME_ROK) {
      const id = resp.body.toString('latin1').replace(/\0.*$/s, '');
      if (!id) throw new ProviderOutcomeUnknownError(this.id, 'submit_sm_resp without message_id');
      return { providerMessageId: id };
    }
    if (TRANSIENT.has(resp.status))
      throw new ProviderUnavailableError(this.id, `status 0x${resp.status.toString(16)}`);
    throw new ProviderRejectedError(
      this.id,
      `sms.provider-rejected.smpp-0x${resp.status.toString(16).padStart(2, '0')}`,
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    clearInterval(this.enquireTimer);
    const socket = this.socket;
    if (!socket) return;
    if (this.bound) await this.request(COMMAND.unbind, Buffer.alloc(0)).catch(() => undefined);
    this.bound = false;
    await new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
    });
  }
}
