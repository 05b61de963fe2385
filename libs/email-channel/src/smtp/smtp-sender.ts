import { createTransport, type Transporter } from 'nodemailer';
import type { SmtpConfig } from '../config';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** Stable per job: a resend after a crash carries the same Message-ID. */
  messageId: string;
}

/** What became of one e-mail at the SMTP server. */
export type SmtpOutcome =
  | { kind: 'accepted'; response: string }
  | { kind: 'permanent'; code: number }
  | { kind: 'temporary'; code: number | undefined; detail: string };

/** nodemailer over SMTP: TLS (implicit or STARTTLS), AUTH, optional DKIM; maps 5xx / 4xx. */
export class SmtpSender {
  private readonly transport: Transporter;

  constructor(config: SmtpConfig) {
    this.transport = createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: config.requireTls,
      ignoreTLS: false,
      tls: { rejectUnauthorized: config.rejectUnauthorized, ...(config.ca ? { ca: config.ca } : {}) },
      auth: config.username ? { user: config.username, pass: config.password } : undefined,
      dkim: config.dkim,
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
      logger: false,
      debug: false,
    });
  }

  async send(mail: OutgoingEmail): Promise<SmtpOutcome> {
    try {
      const info = await this.transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
        textEncoding: 'quoted-printable',
      });
      if (info.rejected.length > 0) return { kind: 'permanent', code: 550 };
      return { kind: 'accepted', response: String(info.response ?? '').slice(0, 3) };
    } catch (error) {
      const e = error as { responseCode?: number; code?: string };
      // A refused login or TLS is our configuration, not the message: never a permanent failure of it.
      const ours = e.code === 'EAUTH' || e.code === 'ETLS' || e.code === 'ENOAUTH';
      if (!ours && typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600)
        return { kind: 'permanent', code: e.responseCode };
      // 4xx, connection trouble, timeouts: try again later.
      return { kind: 'temporary', code: e.responseCode, detail: e.code ?? 'error' };
    }
  }

  close(): void {
    this.transport.close();
  }
}
