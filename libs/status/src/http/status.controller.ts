import { Controller, Get, Param, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { GetMessageStatusCommand } from '../usecases/get-message-status/get-message-status.command';
import { GetMessageStatusUseCase } from '../usecases/get-message-status/get-message-status.usecase';
import type { MessageStatusView } from '../views';
import { MessageStatusDto, ProblemDetailsDto } from './dto';
import { ProblemDetailsFilter } from './problem-details.filter';
import { CurrentSender, SenderPrincipalGuard } from './sender-principal';

export const PRINCIPAL_HEADER_DOC = {
  name: 'x-smis-sender-id',
  required: true,
  description:
    'The authenticated sender, set by the gateway (never by the caller). The name is configurable (principalHeader).',
};

@ApiTags('status')
@ApiHeader(PRINCIPAL_HEADER_DOC)
@ApiUnauthorizedResponse({ type: ProblemDetailsDto, description: 'No authenticated sender' })
@UseGuards(SenderPrincipalGuard)
@UseFilters(ProblemDetailsFilter)
@Controller('v1/status/messages')
export class MessageStatusController {
  constructor(private readonly getMessageStatus: GetMessageStatusUseCase) {}

  @Get(':messageId')
  @ApiOperation({
    summary: "A message's status, per channel, and its full history",
    description: "Only the sender's own messages: another sender's message is not found.",
  })
  @ApiOkResponse({ type: MessageStatusDto })
  @ApiBadRequestResponse({ type: ProblemDetailsDto })
  @ApiNotFoundResponse({ type: ProblemDetailsDto })
  get(@CurrentSender() senderId: string, @Param('messageId') messageId: string): Promise<MessageStatusView> {
    return this.getMessageStatus.execute(GetMessageStatusCommand.create({ senderId, messageId }));
  }
}
