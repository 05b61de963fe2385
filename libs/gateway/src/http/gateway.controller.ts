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
import type { GatewayPorts, Reachability } from '../ports';
import { GATEWAY_PORTS } from '../tokens';
import { IssueTokenCommand, type AccessTokenResponse } from '../usecases/issue-token/issue-token.command';
import { SubmitMessageCommand } from '../usecases/submit-message/submit-message.command';
import {
  SubmitMessageUseCase,
  type SubmitMessageResult,
} from '../usecases/submit-message/submit-message.usecase';
import { CurrentSender, SenderAuthGuard } from './auth.guard';
import {
  KeyLookupDto,
  MessageRequestDto,
  ReachabilityDto,
  SubmitResponseDto,
  TokenRequestDto,
  TokenResponseDto,
} from './dto';
import { GatewayProblemFilter, ProblemError } from './problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROBLEM = { description: 'RFC 9457 problem details', content: { 'application/problem+json': {} } };

/** The REST gateway for sender systems that do not speak Kafka. */
@ApiTags('gateway')
@Controller('v1/gateway')
@UseFilters(GatewayProblemFilter)
export class GatewayController {
  constructor(
    private readonly tokens: TokenService,
    private readonly submit: SubmitMessageUseCase,
    @Inject(GATEWAY_PORTS) private readonly ports: GatewayPorts,
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
  @ApiBearerAuth()
  @ApiOperation({ summary: "A citizen's device keys and reachability (key directory)" })
  @ApiBody({ type: KeyLookupDto })
  @ApiResponse({ status: 200, type: ReachabilityDto })
  lookup(@Body() body: { recipient?: unknown }): Promise<Reachability> {
    const recipient = typeof body?.recipient === 'string' ? body.recipient : '';
    const bytes = Buffer.from(recipient, /[-_]/.test(recipient) ? 'base64url' : 'base64');
    if (bytes.length !== 64) {
      throw ProblemError.invalid('recipient must be a polymorphic pseudonym', [
        { field: 'recipient', message: 'base64 of 64 bytes' },
      ]);
    }
    return this.ports.keyDirectory.lookup(bytes.toString('base64url') as PolymorphicPseudonym);
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
