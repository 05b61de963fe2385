import { Body, Controller, Headers, HttpCode, Post, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { UnauthenticatedError } from '../errors';
import { ServiceAuthenticator } from '../transcryption/service-auth';
import { TranscryptCommand } from '../usecases/transcrypt/transcrypt.command';
import { TranscryptUseCase, type TranscryptResult } from '../usecases/transcrypt/transcrypt.usecase';
import { ProblemDetailsDto, TranscryptRequestDto, TranscryptResponseDto } from './dto';
import { ProblemDetailsFilter } from './problem-details.filter';

/** The transcryptor for the platform's services (bearer service token, entitlements of ADR 4). */
@ApiTags('identity')
@ApiBearerAuth()
@UseFilters(ProblemDetailsFilter)
@Controller('v1/identity')
export class TranscryptController {
  constructor(
    private readonly authenticator: ServiceAuthenticator,
    private readonly transcrypt: TranscryptUseCase,
  ) {}

  @Post('transcrypt')
  @HttpCode(200)
  @ApiOperation({
    summary: "Turn polymorphic pseudonyms into a domain's encrypted pseudonyms (batch)",
    description:
      'router: router, app, sms, email; app-channel: app, router; sms-channel: sms; email-channel: email. A malformed item fails alone.',
  })
  @ApiBody({ type: TranscryptRequestDto })
  @ApiOkResponse({ type: TranscryptResponseDto })
  @ApiBadRequestResponse({ type: ProblemDetailsDto })
  @ApiUnauthorizedResponse({ type: ProblemDetailsDto, description: 'No or unknown service token' })
  @ApiForbiddenResponse({ type: ProblemDetailsDto, description: 'The service may not obtain that domain' })
  execute(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<TranscryptResult> {
    const caller = this.authenticator.authenticate(authorization);
    if (!caller) throw new UnauthenticatedError();
    return this.transcrypt.execute(caller, TranscryptCommand.create(body));
  }
}
