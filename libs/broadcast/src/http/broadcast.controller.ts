import {
  Catch,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Param,
  Post,
  Req,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import {
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { IncomingHttpHeaders } from 'node:http';
import type { BroadcastConfig } from '../config';
import { BroadcastNotFoundError, BroadcastStateError } from '../errors';
import { BROADCAST_CONFIG } from '../tokens';
import { CancelBroadcastUseCase } from '../usecases/cancel-broadcast/cancel-broadcast.usecase';
import { GetBroadcastUseCase, type BroadcastView } from '../usecases/get-broadcast/get-broadcast.usecase';
import { BROADCAST_PRINCIPAL_HEADER, BroadcastPrincipalResolver } from './sender-principal';

/** RFC 9457 problem details for the broadcast API. */
@Catch()
export class BroadcastProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ originalUrl?: string }>();
    const response = http.getResponse<{
      status(code: number): { setHeader(n: string, v: string): void; send(b: string): void };
    }>();
    const [status, title] =
      error instanceof BroadcastNotFoundError
        ? [404, 'Not Found']
        : error instanceof BroadcastStateError
          ? [409, 'Conflict']
          : error instanceof HttpException
            ? [error.getStatus(), 'Error']
            : [500, 'Internal Server Error'];
    const detail = status === 500 ? 'Unexpected error' : (error as Error).message;
    const res = response.status(status);
    res.setHeader('content-type', 'application/problem+json');
    res.send(
      JSON.stringify({
        type: `https://smis.example/problems/broadcast/${status}`,
        title,
        status,
        detail,
        instance: request.originalUrl,
      }),
    );
  }
}

/**
 * The sender's broadcast API (`/v1/broadcast`): the sender is whom the BroadcastPrincipalResolver
 * finds (by default the header a gateway in front sets).
 */
@ApiTags('broadcast')
@ApiHeader({
  name: BROADCAST_PRINCIPAL_HEADER,
  required: false,
  description: 'The authenticated sender, set by a gateway in front (where the deployment trusts it).',
})
@UseFilters(BroadcastProblemFilter)
@Controller('v1/broadcast/broadcasts')
export class BroadcastController {
  constructor(
    @Inject(BROADCAST_CONFIG) readonly config: BroadcastConfig,
    private readonly get: GetBroadcastUseCase,
    private readonly cancelBroadcast: CancelBroadcastUseCase,
    private readonly principals: BroadcastPrincipalResolver,
  ) {}

  private async senderOf(request: { headers: IncomingHttpHeaders }): Promise<string> {
    const principal = await this.principals.resolve(request);
    if (!principal?.senderId) throw new HttpException('No authenticated sender', 401);
    return principal.senderId;
  }

  @Get(':broadcastId')
  @ApiOperation({ summary: 'State, schedule and aggregated progress of one of the sender’s broadcasts' })
  @ApiOkResponse({ description: 'The broadcast' })
  @ApiNotFoundResponse({ description: 'Not this sender’s broadcast' })
  async status(
    @Req() request: { headers: IncomingHttpHeaders },
    @Param('broadcastId') broadcastId: string,
  ): Promise<BroadcastView> {
    return this.get.execute(await this.senderOf(request), broadcastId);
  }

  @Post(':broadcastId/cancel')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel a scheduled or running broadcast; it leaves every inbox' })
  @ApiNoContentResponse({ description: 'Cancelled (or already cancelled)' })
  async cancel(
    @Req() request: { headers: IncomingHttpHeaders },
    @Param('broadcastId') broadcastId: string,
  ): Promise<void> {
    await this.cancelBroadcast.execute(await this.senderOf(request), broadcastId);
  }
}
