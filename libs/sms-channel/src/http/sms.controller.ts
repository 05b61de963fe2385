import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import { Inject } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { SmsChannelConfig } from '../config';
import { parseHttpDeliveryReport, type HttpDeliveryReportBody } from '../providers/http-gateway.provider';
import { SMS_CONFIG, SMS_DATA_SOURCE } from '../tokens';
import { buildSmsCostReport, type CostReport } from '../usecases/cost-report/cost-report';
import {
  RecordDeliveryReportUseCase,
  UnknownSubmissionError,
} from '../usecases/record-delivery-report/record-delivery-report.usecase';

interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  send(body?: string): void;
}

const PROBLEM_BASE = 'https://smis.example/problems/sms';

function problem(res: HttpResponse, status: number, kind: string, title: string, detail: string): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/problem+json');
  res.send(JSON.stringify({ type: `${PROBLEM_BASE}/${kind}`, title, status, detail }));
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseInstant(value: string | undefined, name: string): Date | undefined | Error {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t) : new Error(`${name} must be an ISO 8601 instant`);
}

/** `/v1/sms`: delivery-report callbacks from HTTP SMS gateways and the per-sender cost report. */
@ApiTags('sms-channel')
@Controller('v1/sms')
export class SmsController {
  constructor(
    @Inject(SMS_CONFIG) private readonly config: SmsChannelConfig,
    @Inject(SMS_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly recordReport: RecordDeliveryReportUseCase,
  ) {}

  @Post('delivery-reports/:provider')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delivery report from an HTTP SMS gateway',
    description:
      'JSON `{ messageId, clientReference?, status: DELIVERED|UNDELIVERABLE|EXPIRED|…, errorCode?, doneAt? }` with `Authorization: Bearer <callback token>`. 204 when recorded (or already), 404 when the message is not known yet (send again later).',
  })
  async deliveryReport(
    @Param('provider') providerId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: HttpDeliveryReportBody,
    @Res() res: HttpResponse,
  ): Promise<void> {
    const provider = this.config.providers.find((p) => p.id === providerId && p.kind === 'http');
    if (!provider?.http)
      return problem(
        res,
        404,
        'unknown-provider',
        'Unknown provider',
        `No HTTP SMS provider '${providerId}'`,
      );
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    if (!sameToken(token, provider.http.callbackToken))
      return problem(res, 401, 'unauthorized', 'Unauthorized', 'A valid callback token is required');
    const report = parseHttpDeliveryReport(providerId, body);
    if (!report)
      return problem(
        res,
        400,
        'invalid-report',
        'Invalid delivery report',
        'messageId and status are required',
      );
    try {
      await this.recordReport.execute(report);
    } catch (error) {
      if (error instanceof UnknownSubmissionError)
        return problem(
          res,
          404,
          'unknown-message',
          'Unknown message',
          'No submission with this message id (yet)',
        );
      throw error;
    }
    res.status(204);
    res.send();
  }

  @Get('reports/cost')
  @ApiOperation({
    summary: 'SMS cost and "SMS avoided" per sender',
    description: 'Query: `from`, `to` (ISO 8601; to exclusive), `senderId`. Costs in euros.',
  })
  async costReport(
    @Query('from') from: string | undefined,
    @Query('to') to: string | undefined,
    @Query('senderId') senderId: string | undefined,
    @Res() res: HttpResponse,
  ): Promise<void> {
    const f = parseInstant(from, 'from');
    const t = parseInstant(to, 'to');
    for (const v of [f, t])
      if (v instanceof Error) return problem(res, 400, 'invalid-request', 'Invalid request', v.message);
    const report: CostReport = await buildSmsCostReport(this.dataSource, this.config.schema, {
      from: f as Date | undefined,
      to: t as Date | undefined,
      senderId: senderId || undefined,
    });
    res.status(200);
    res.setHeader('Content-Type', 'application/json');
    res.send(JSON.stringify(report));
  }
}
