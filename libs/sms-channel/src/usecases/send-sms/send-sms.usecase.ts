import { Injectable } from '@nestjs/common';
import type { OtpRequest, SmsChannelJob } from '@smis/contracts';
import { NonRetriableError } from '@smis/messaging';
import { SmsRecipients } from '../../delivery/sms-recipients';
import {
  SubmissionEngine,
  type EngineOutcome,
  type SubmissionToFile,
} from '../../delivery/submission-engine';

/** An SmsChannelJob from the router, or an OtpRequest from identity: file it once, then send it. */
@Injectable()
export class SendSmsUseCase {
  constructor(
    private readonly engine: SubmissionEngine,
    private readonly recipients: SmsRecipients,
  ) {}

  /**
   * Jobs of a fetched batch, together: filed in one statement, then moved on as a batch
   * (`SubmissionEngine.processMany`). Each job's outcome, in order; a rejection is that job's.
   */
  async sendJobs(jobs: readonly SmsChannelJob[]): Promise<PromiseSettledResult<EngineOutcome>[]> {
    const results: PromiseSettledResult<EngineOutcome>[] = [];
    const toFile: Array<{ index: number; submission: SubmissionToFile }> = [];
    jobs.forEach((job, index) => {
      try {
        toFile.push({
          index,
          submission: {
            kind: 'message',
            sourceId: job.messageId,
            attempt: job.attempt,
            senderId: job.senderId,
            planId: job.planId,
            expiresAt: job.expiresAt,
            sealedText: job.sealedText,
            sealedNumber: null,
            localPseudonym: this.recipients.localPseudonym(job.recipient),
          },
        });
      } catch (reason) {
        results[index] = { status: 'rejected', reason }; // not an sms-domain pseudonym: this job alone
      }
    });
    const rows = await this.engine.fileMany(toFile.map((f) => f.submission));
    const outcomes = await this.engine.processMany(rows);
    toFile.forEach((f, k) => (results[f.index] = outcomes[k]));
    return results;
  }

  async sendOtp(request: OtpRequest): Promise<EngineOutcome> {
    if (!request.sealedPhoneNumber === !request.recipient)
      throw new NonRetriableError(
        `OTP request ${request.otpRequestId}: exactly one of sealedPhoneNumber and recipient must be set`,
      );
    const row = await this.engine.file({
      kind: 'otp',
      sourceId: request.otpRequestId,
      attempt: 1,
      senderId: null,
      planId: null,
      expiresAt: request.expiresAt,
      sealedText: request.sealedText,
      sealedNumber: request.sealedPhoneNumber,
      localPseudonym: request.recipient ? this.recipients.localPseudonym(request.recipient) : null,
    });
    return this.engine.process(row);
  }
}
