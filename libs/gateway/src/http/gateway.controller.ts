import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { PolymorphicPseudonym } from '@smis/pseudonym';
import { TokenService } from '../auth/token-service';
import type { GatewayConfig } from '../config';
import type { GatewayPorts, Reachability } from '../ports';
import { GATEWAY_CONFIG, GATEWAY_PORTS } from '../tokens';
import { IssueTokenCommand, type AccessTokenResponse } from '../usecases/issue-token/issue-token.command';
import { SubmitMessageCommand } from '../usecases/submit-message/submit-message.command';
import {
  SubmitMessageUseCase,
  type SubmitMessageResult,
} from '../usecases/submit-message/submit-message.usecase';
import { CurrentSender, SenderAuthGuard } from './auth.guard';
import {
  KeyLookupBatchDto,
  KeyLookupBatchResponseDto,
  KeyLookupDto,
  MessageRequestDto,
  ReachabilityDto,
  SubmitResponseDto,
  TokenRequestDto,
  TokenResponseDto,
} from './dto';
import { GatewayProblemFilter, ProblemError } from './problem';
import { RateLimit } from './rate-limiter';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROBLEM = { description: 'RFC 9457 problem details', content: { 'application/problem+json': {} } };

/** A polymorphic pseudonym as base64 or base64url text → its canonical base64url form, or undefined. */
function pseudonymOf(value: unknown): PolymorphicPseudonym | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, /[-_]/.test(value) ? 'base64url' : 'base64');
  return bytes.length === 64 ? (bytes.toString('base64url') as PolymorphicPseudonym) : undefined;
}

/** A batch takes one lookup token per recipient; a malformed or oversized one takes one (then 400). */
function batchCost(body: unknown, config: GatewayConfig): number {
  const recipients = (body as { recipients?: unknown } | undefined)?.recipients;
  const count = Array.isArray(recipients) ? recipients.length : 0;
  return count >= 1 && count <= config.maxLookupBatch ? count : 1;
}

/** The REST gateway for sender systems that do not speak Kafka. */
@ApiTags('gateway')
@Controller('v1/gateway')
@UseFilters(GatewayProblemFilter)
export class GatewayController {
  constructor(
    private readonly tokens: TokenService,
    private readonly submit: SubmitMessageUseCase,
    @Inject(GATEWAY_PORTS) private readonly ports: GatewayPorts,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post('oauth/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Access token: OAuth 2.0 client credentials with private_key_jwt (EdDSA)' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequestDto })
  @ApiResponse({ status: 200, type: TokenResponseDto })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 401, ...PROBLEM })
  token(@Body() body: unknown): Promise<AccessTokenResponse> {
    return this.tokens.issue(IssueTokenCommand.create(body));
  }

  @Get('.well-known/jwks.json')
  @ApiOperation({ summary: "The gateway's public key for its access tokens" })
  jwks(): ReturnType<TokenService['jwks']> {
    return this.tokens.jwks();
  }

  @Post('messages')
  @HttpCode(202)
  @UseGuards(SenderAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Submit a sealed, signed MessageRequest (bytes base64); the router validates and routes it',
  })
  @ApiBody({ type: MessageRequestDto })
  @ApiResponse({ status: 202, type: SubmitResponseDto })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 401, ...PROBLEM })
  @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 413, ...PROBLEM })
  @ApiResponse({ status: 429, ...PROBLEM })
  submitMessage(@CurrentSender() senderId: string, @Body() body: unknown): Promise<SubmitMessageResult> {
    return this.submit.execute(SubmitMessageCommand.create(senderId, body));
  }

  @Get('messages/:id')
  @UseGuards(SenderAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "A message's status and history (the sender's own messages only)" })
  @ApiResponse({ status: 404, ...PROBLEM })
  async messageStatus(@CurrentSender() senderId: string, @Param('id') id: string): Promise<unknown> {
    if (!UUID.test(id))
      throw ProblemError.invalid('The message id must be a UUID', [{ field: 'id', message: 'not a UUID' }]);
    try {
      return await this.ports.status.getMessageStatus(senderId, id.toLowerCase());
    } catch (error) {
      if ((error as Error)?.name === 'NotFoundError')
        throw ProblemError.notFound(`No message ${id} of this sender`);
      throw error;
    }
  }

  @Post('keys/lookup')
  @HttpCode(200)
  @UseGuards(SenderAuthGuard)
  @RateLimit({ bucket: 'keyLookups' })
  @ApiBearerAuth()
  @ApiOperation({
    summary: "A citizen's device keys and reachability (key directory)",
    description:
      'Limited per sender by the key lookup limit (SMIS_GATEWAY_LOOKUP_RATE_PER_SECOND / _BURST), ' +
      'apart from the limit of the other routes.',
  })
  @ApiBody({ type: KeyLookupDto })
  @ApiResponse({ status: 200, type: ReachabilityDto })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 401, ...PROBLEM })
  @ApiResponse({ status: 429, ...PROBLEM })
  lookup(@Body() body: { recipient?: unknown }): Promise<Reachability> {
    const recipient = pseudonymOf(body?.recipient);
    if (!recipient) {
      throw ProblemError.invalid('recipient must be a polymorphic pseudonym', [
        { field: 'recipient', message: 'base64 of 64 bytes' },
      ]);
    }
    return this.ports.keyDirectory.lookup(recipient);
  }

  @Post('keys/lookup/batch')
  @HttpCode(200)
  @UseGuards(SenderAuthGuard)
  @RateLimit({ bucket: 'keyLookups', cost: batchCost })
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Several citizens' device keys and reachability at once (answers in the same order)",
    description:
      'At most maxLookupBatch recipients (SMIS_GATEWAY_MAX_LOOKUP_BATCH, default 100); each one ' +
      'takes a token of the key lookup limit. A longer batch is refused with 400: split it.',
  })
  @ApiBody({ type: KeyLookupBatchDto })
  @ApiResponse({ status: 200, type: KeyLookupBatchResponseDto })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 401, ...PROBLEM })
  @ApiResponse({ status: 429, ...PROBLEM })
  async lookupBatch(@Body() body: { recipients?: unknown }): Promise<{ results: Reachability[] }> {
    const raw = body?.recipients;
    const max = this.config.maxLookupBatch;
    if (!Array.isArray(raw) || raw.length === 0) {
      throw ProblemError.invalid('recipients must be a non-empty array of polymorphic pseudonyms', [
        { field: 'recipients', message: `an array of 1 to ${max} pseudonyms` },
      ]);
    }
    if (raw.length > max) {
      throw ProblemError.invalid(
        `At most ${max} recipients per batched lookup (got ${raw.length}); split the batch`,
        [{ field: 'recipients', message: `at most ${max} items` }],
      );
    }
    const recipients = raw.map(pseudonymOf);
    const errors = recipients.flatMap((recipient, i) =>
      recipient ? [] : [{ field: `recipients[${i}]`, message: 'base64 of 64 bytes' }],
    );
    if (errors.length > 0)
      throw ProblemError.invalid('Every recipient must be a polymorphic pseudonym', errors);
    const valid = recipients as PolymorphicPseudonym[];
    const directory = this.ports.keyDirectory;
    const results = directory.lookupMany
      ? await directory.lookupMany(valid)
      : await Promise.all(valid.map((recipient) => directory.lookup(recipient)));
    if (results.length !== valid.length)
      throw new Error(`the key directory answered ${results.length} of ${valid.length} lookups`);
    return { results };
  }

  @Get('scorecard')
  @UseGuards(SenderAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      "The sender's code-of-conduct scorecard (volume, rejections by reason, delivery, read and mute rates)",
  })
  scorecard(@CurrentSender() senderId: string, @Query('since') since?: string): Promise<unknown> {
    const from = since === undefined ? undefined : Date.parse(since);
    if (from !== undefined && Number.isNaN(from)) {
      throw ProblemError.invalid('since must be an ISO 8601 instant', [
        { field: 'since', message: 'not an instant' },
      ]);
    }
    return this.ports.scorecard.scorecard(senderId, from);
  }
}
