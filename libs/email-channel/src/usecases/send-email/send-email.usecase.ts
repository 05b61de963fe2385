import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AvroCodec, DeliveryEvent, DeliveryStatus, EmailChannelJob } from '@smis/contracts';
import { createSodiumEnvelopeCrypto } from '@smis/crypto';
import { NonRetriableError, RetriableError } from '@smis/messaging';
import type { Outbox } from '@smis/persistence';
import type { SenderRegistry } from '@smis/senders';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { EmailChannelConfig } from '../../config';
import { AddressVault } from '../../crypto/address-vault';
import { EmailRecipients } from '../../email-recipients';
import { SmtpSender } from '../../smtp/smtp-sender';
import { EMAIL_CODEC, EMAIL_CONFIG, EMAIL_DATA_SOURCE, EMAIL_OUTBOX, EMAIL_SENDERS } from '../../tokens';

interface Row {
  id: string;
  state: 'pending' | 'sending' | 'sent' | 'failed' | 'expired';
  temporary_failures: number;
  updated_at: Date;
}

export type SendEmailOutcome = 'sent' | 'duplicate' | 'failed' | 'expired';

/**
 * The e-mail in a sealed job is a fallback text signed by the sender: either JSON
 * `{"subject": "...", "body": "..."}` or plain text (then the subject is the sender's name).
 */
export function parseEmailContent(text: string, senderName: string): { subject: string; body: string } {
  try {
    const parsed = JSON.parse(text) as { subject?: unknown; body?: unknown };
    if (parsed && typeof parsed.subject === 'string' && typeof parsed.body === 'string')
      return { subject: parsed.subject.replace(/[\r\n]+/g, ' ').slice(0, 200), body: parsed.body };
  } catch {
    // plain text
  }
  return { subject: senderName, body: text };
}

/**
 * An EmailChannelJob: find the address by pseudonym, open and verify the sealed e-mail, send it
 * by SMTP. Accepted → DISPATCHED; 5xx → FAILED (`email.smtp-<code>`); 4xx or no connection →
 * retried (Kafka retry topics) until `maxTemporaryFailures`, then FAILED. One row per
 * (messageId, attempt) keeps a redelivered job from sending twice; an interrupted send (a crash
 * after the server took it) is sent again with the same Message-ID (docs/adr/0702).
 */
@Injectable()
export class SendEmailUseCase {
  private readonly logger = new Logger('EmailChannel');
  private readonly crypto = createSodiumEnvelopeCrypto();
  private readonly table: string;

  constructor(
    @Inject(EMAIL_CONFIG) private readonly config: EmailChannelConfig,
    @Inject(EMAIL_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(EMAIL_OUTBOX) private readonly outbox: Outbox,
    @Inject(EMAIL_CODEC) private readonly codec: AvroCodec,
    @Inject(EMAIL_SENDERS) private readonly senders: SenderRegistry,
    private readonly vault: AddressVault,
    private readonly recipients: EmailRecipients,
    private readonly smtp: SmtpSender,
  ) {
    this.table = `"${config.schema}"."email_submission"`;
  }

  async execute(job: EmailChannelJob): Promise<SendEmailOutcome> {
    const localPseudonym = this.recipients.localPseudonym(job.recipient);
    await this.dataSource.query(
      `INSERT INTO ${this.table} ("id", "message_id", "attempt", "sender_id", "plan_id", "state")
       VALUES ($1, $2, $3, $4, $5, 'pending') ON CONFLICT ("message_id", "attempt") DO NOTHING`,
      [randomUUID(), job.messageId, job.attempt, job.senderId, job.planId],
    );
    const claimed = (await this.dataSource.query(
      `UPDATE ${this.table} SET "state" = 'sending', "updated_at" = now()
       WHERE "message_id" = $1 AND "attempt" = $2
         AND ("state" = 'pending' OR ("state" = 'sending' AND "updated_at" <= now() - ($3::text || ' milliseconds')::interval))
       RETURNING "id", "state", "temporary_failures", "updated_at"`,
      [job.messageId, job.attempt, String(this.config.staleAfterMs)],
    )) as [Row[], number];
    const row = claimed[0]?.[0];
    if (!row) {
      const [current] = (await this.dataSource.query(
        `SELECT "state" FROM ${this.table} WHERE "message_id" = $1 AND "attempt" = $2`,
        [job.messageId, job.attempt],
      )) as Row[];
      if (current?.state === 'sending')
        throw new RetriableError(`E-mail ${job.messageId} is being sent by another worker`);
      return 'duplicate';
    }
    if (Date.now() > job.expiresAt) {
      await this.finish(row.id, job, 'expired', 'email.expired-before-sending', 'EXPIRED');
      return 'expired';
    }
    const [address] = (await this.dataSource.query(
      `SELECT "address_box" FROM "${this.config.schema}"."email_address" WHERE "local_pseudonym" = $1`,
      [localPseudonym],
    )) as Array<{ address_box: Buffer | null }>;
    if (!address?.address_box) {
      await this.finish(row.id, job, 'failed', 'email.no-address', 'FAILED');
      return 'failed';
    }
    let content: { subject: string; body: string };
    try {
      const opened = this.crypto.openFallbackText(
        job.sealedEmail,
        {
          keyId: this.config.channelKey.keyId,
          publicKey: new Uint8Array(this.config.channelKey.publicKey),
          secretKey: new Uint8Array(this.config.channelKey.secretKey),
        },
        (senderId, keyId) => this.senders.signingKey(senderId, keyId),
      );
      if (opened.senderId !== job.senderId || opened.messageId !== job.messageId)
        throw new Error('text signed for another message');
      content = parseEmailContent(
        opened.text,
        this.senders.get(job.senderId)?.displayName.en ?? job.senderId,
      );
    } catch (error) {
      const reason = /Signature|SenderKey/.test((error as Error).name)
        ? 'email.bad-signature'
        : 'email.content-unreadable';
      await this.finish(row.id, job, 'failed', reason, 'FAILED');
      throw new NonRetriableError(`E-mail of ${job.messageId} rejected: ${reason}`);
    }
    const domain = /@([^>\s]+)/.exec(this.config.from)?.[1] ?? 'smis.localhost';
    const outcome = await this.smtp.send({
      from: this.config.from,
      to: this.vault.decrypt(address.address_box),
      subject: content.subject,
      text: content.body,
      messageId: `<${row.id}@${domain}>`,
    });
    if (outcome.kind === 'accepted') {
      await this.finish(row.id, job, 'sent', null, 'DISPATCHED');
      return 'sent';
    }
    if (outcome.kind === 'permanent') {
      await this.finish(row.id, job, 'failed', `email.smtp-${outcome.code}`, 'FAILED');
      return 'failed';
    }
    const failures = row.temporary_failures + 1;
    if (failures >= this.config.maxTemporaryFailures) {
      await this.finish(
        row.id,
        job,
        'failed',
        `email.smtp-temporary-${outcome.code ?? outcome.detail.toLowerCase()}`,
        'FAILED',
      );
      return 'failed';
    }
    await this.dataSource.query(
      `UPDATE ${this.table} SET "state" = 'pending', "temporary_failures" = $2, "updated_at" = now() WHERE "id" = $1`,
      [row.id, failures],
    );
    this.logger.warn(
      `Temporary SMTP failure for ${job.messageId} (${outcome.code ?? outcome.detail}); retrying`,
    );
    throw new RetriableError(`Temporary SMTP failure for ${job.messageId}`);
  }

  private async finish(
    id: string,
    job: EmailChannelJob,
    state: 'sent' | 'failed' | 'expired',
    reason: string | null,
    status: DeliveryStatus,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager: EntityManager) => {
      await manager.query(
        `UPDATE ${this.table} SET "state" = $2, "reason" = $3, "updated_at" = now() WHERE "id" = $1`,
        [id, state, reason],
      );
      const event: DeliveryEvent = {
        eventId: randomUUID(),
        messageId: job.messageId,
        senderId: job.senderId,
        status,
        channel: 'EMAIL',
        reason,
        fromChannel: null,
        toChannel: null,
        deviceId: null,
        planId: job.planId,
        attempt: job.attempt,
        occurredAt: Date.now(),
        producer: 'email-channel',
      };
      await this.outbox.add(manager, [
        {
          topic: this.config.topics.events,
          key: job.messageId,
          value: await this.codec.encode('DeliveryEvent', event),
        },
      ]);
    });
    this.outbox.notify();
  }
}
