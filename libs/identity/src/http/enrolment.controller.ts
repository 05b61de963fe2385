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
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiFoundResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { IncomingHttpHeaders } from 'node:http';
import type { IdentityConfig } from '../config';
import { credentialJwks } from '../credential/credential';
import { IDENTITY_CONFIG } from '../tokens';
import { CompleteOidcEnrolmentCommand } from '../usecases/complete-oidc-enrolment/complete-oidc-enrolment.command';
import { CompleteOidcEnrolmentUseCase } from '../usecases/complete-oidc-enrolment/complete-oidc-enrolment.usecase';
import { StartOidcEnrolmentCommand } from '../usecases/start-oidc-enrolment/start-oidc-enrolment.command';
import {
  StartOidcEnrolmentUseCase,
  type OidcEnrolmentStarted,
} from '../usecases/start-oidc-enrolment/start-oidc-enrolment.usecase';
import { StartPhoneEnrolmentCommand } from '../usecases/start-phone-enrolment/start-phone-enrolment.command';
import {
  StartPhoneEnrolmentUseCase,
  type PhoneEnrolmentStarted,
} from '../usecases/start-phone-enrolment/start-phone-enrolment.usecase';
import { VerifyPhoneEnrolmentCommand } from '../usecases/verify-phone-enrolment/verify-phone-enrolment.command';
import {
  VerifyPhoneEnrolmentUseCase,
  type IssuedCredential,
} from '../usecases/verify-phone-enrolment/verify-phone-enrolment.usecase';
import { clientAddress } from './client-address';
import {
  CredentialDto,
  OidcStartedDto,
  PhoneEnrolmentStartedDto,
  ProblemDetailsDto,
  StartOidcDto,
  StartPhoneEnrolmentDto,
  VerifyCodeDto,
} from './dto';
import { ProblemDetailsFilter } from './problem-details.filter';

type HttpRequest = { headers: IncomingHttpHeaders; socket?: { remoteAddress?: string } };
type HttpResponse = { redirect(status: number, url: string): void };

/** The citizen's app: enrolment by phone and by strong authentication, and the credential keys. */
@ApiTags('identity')
@UseFilters(ProblemDetailsFilter)
@Controller('v1/identity')
export class EnrolmentController {
  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    private readonly startPhone: StartPhoneEnrolmentUseCase,
    private readonly verifyPhone: VerifyPhoneEnrolmentUseCase,
    private readonly startOidc: StartOidcEnrolmentUseCase,
    private readonly completeOidc: CompleteOidcEnrolmentUseCase,
  ) {}

  @Post('enrolments/phone')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Start a phone enrolment: a 6-digit code is sent by SMS',
    description: 'Rate limited per phone number and per client address. The code is valid 10 minutes.',
  })
  @ApiBody({ type: StartPhoneEnrolmentDto })
  @ApiCreatedResponse({ type: PhoneEnrolmentStartedDto })
  @ApiBadRequestResponse({ type: ProblemDetailsDto })
  @ApiTooManyRequestsResponse({ type: ProblemDetailsDto })
  startPhoneEnrolment(@Body() body: unknown, @Req() request: HttpRequest): Promise<PhoneEnrolmentStarted> {
    const input = (typeof body === 'object' && body !== null ? body : {}) as { phoneNumber?: unknown };
    return this.startPhone.execute(
      StartPhoneEnrolmentCommand.create(
        { phoneNumber: input.phoneNumber, clientAddress: clientAddress(request, this.config.trustProxy) },
        this.config.otp.defaultRegion,
      ),
    );
  }

  @Post('enrolments/:id/verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Check the code; returns the enrolment credential',
    description: 'At most 5 attempts; the 5th wrong code locks the enrolment (423 afterwards).',
  })
  @ApiBody({ type: VerifyCodeDto })
  @ApiOkResponse({ type: CredentialDto })
  @ApiBadRequestResponse({ type: ProblemDetailsDto, description: 'Wrong code (attemptsLeft) or bad request' })
  @ApiNotFoundResponse({ type: ProblemDetailsDto })
  @ApiConflictResponse({ type: ProblemDetailsDto, description: 'Enrolment already completed' })
  @ApiGoneResponse({ type: ProblemDetailsDto, description: 'Code expired' })
  @ApiResponse({ status: 423, type: ProblemDetailsDto, description: 'Enrolment locked' })
  verify(@Param('id') id: string, @Body() body: unknown): Promise<IssuedCredential> {
    const input = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown };
    return this.verifyPhone.execute(
      VerifyPhoneEnrolmentCommand.create({ enrolmentId: id, code: input.code }),
    );
  }

  @Post('oidc/start')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Start a strong-authentication enrolment (OIDC code flow with PKCE)',
    description: 'Give `link` (the phone enrolment credential) to get one credential for both identities.',
  })
  @ApiBody({ type: StartOidcDto })
  @ApiCreatedResponse({ type: OidcStartedDto })
  @ApiUnauthorizedResponse({ type: ProblemDetailsDto, description: 'The credential to link is not valid' })
  @ApiResponse({ status: 503, type: ProblemDetailsDto, description: 'Strong authentication unavailable' })
  startOidcEnrolment(@Body() body: unknown): Promise<OidcEnrolmentStarted> {
    const input = (typeof body === 'object' && body !== null ? body : {}) as { link?: unknown };
    return this.startOidc.execute(StartOidcEnrolmentCommand.create({ link: input.link }));
  }

  @Get('oidc/start')
  @ApiOperation({
    summary: 'Start a strong-authentication enrolment by browser navigation (redirects to the provider)',
    description: 'Prefer POST when linking: a credential in a query string may end up in access logs.',
  })
  @ApiQuery({ name: 'link', required: false })
  @ApiFoundResponse({ description: "Redirect to the identity provider's authorization endpoint" })
  async startOidcRedirect(@Query('link') link: unknown, @Res() response: HttpResponse): Promise<void> {
    const started = await this.startOidc.execute(StartOidcEnrolmentCommand.create({ link }));
    response.redirect(302, started.authorizationUrl);
  }

  @Get('oidc/callback')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "The identity provider's redirect back; returns the enrolment credential" })
  @ApiOkResponse({ type: CredentialDto })
  @ApiBadRequestResponse({ type: ProblemDetailsDto })
  @ApiUnauthorizedResponse({
    type: ProblemDetailsDto,
    description: 'The authentication could not be verified',
  })
  callback(
    @Query('state') state: unknown,
    @Query('code') code: unknown,
    @Query('error') error: unknown,
  ): Promise<IssuedCredential> {
    return this.completeOidc.execute(CompleteOidcEnrolmentCommand.create({ state, code, error }));
  }

  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Public keys (Ed25519) that sign enrolment credentials' })
  @ApiOkResponse({ description: 'JWKS' })
  jwks(): Promise<unknown> {
    return credentialJwks([this.config.credential.publicKey, ...this.config.credential.previousPublicKeys]);
  }
}
