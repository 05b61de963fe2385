import {
  Catch,
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Param,
  Post,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { Headers } from '@nestjs/common';
import {
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { BroadcastConfig } from '../config';
import { BroadcastNotFoundError, BroadcastStateError } from '../errors';
import { BROADCAST_CONFIG } from '../tokens';
import { CancelBroadcastUseCase } from '../usecases/cancel-broadcast/cancel-broadcast.usecase';
import { GetBroadcastUseCase, type BroadcastView } from '../usecases/get-broadcast/get-broadcast.usecase';

const PRINCIPAL_HEADER = 'x-smis-sender-id';

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

/** The sender's broadcast API (`/v1/broadcast`), behind the gateway that sets the sender header. */
@ApiTags('broadcast')
@ApiHeader({
  name: PRINCIPAL_HEADER,
  required: true,
  description: 'The authenticated sender, set by the gateway.',
})
@UseFilters(BroadcastProblemFilter)
@Controller('v1/broadcast/broadcasts')
export class BroadcastController {
  constructor(
    @Inject(BROADCAST_CONFIG) readonly config: BroadcastConfig,
    private readonly get: GetBroadcastUseCase,
    private readonly cancelBroadcast: CancelBroadcastUseCase,
  ) {}

  @Get(':broadcastId')
  @ApiOperation({ summary: 'State, schedule and aggregated progress of one of the sender’s broadcasts' })
  @ApiOkResponse({ description: 'The broadcast' })
  @ApiNotFoundResponse({ description: 'Not this sender’s broadcast' })
  status(
    @Headers(PRINCIPAL_HEADER) senderId: string | undefined,
    @Param('broadcastId') broadcastId: string,
  ): Promise<BroadcastView> {
    if (!senderId) throw new HttpException('No authenticated sender', 401);
    return this.get.execute(senderId, broadcastId);
  }

  @Post(':broadcastId/cancel')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel a scheduled or running broadcast; it leaves every inbox' })
  @ApiNoContentResponse({ description: 'Cancelled (or already cancelled)' })
  async cancel(
    @Headers(PRINCIPAL_HEADER) senderId: string | undefined,
    @Param('broadcastId') broadcastId: string,
  ): Promise<void> {
    if (!senderId) throw new HttpException('No authenticated sender', 401);
    await this.cancelBroadcast.execute(senderId, broadcastId);
  }
}
