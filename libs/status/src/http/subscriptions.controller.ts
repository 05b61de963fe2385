import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { StatusConfig } from '../config';
import { STATUS_CONFIG } from '../tokens';
import { CreateSubscriptionCommand } from '../usecases/create-subscription/create-subscription.command';
import { CreateSubscriptionUseCase } from '../usecases/create-subscription/create-subscription.usecase';
import { DeleteSubscriptionUseCase } from '../usecases/delete-subscription/delete-subscription.usecase';
import { SubscriptionRefCommand } from '../usecases/get-subscription/get-subscription.command';
import { GetSubscriptionUseCase } from '../usecases/get-subscription/get-subscription.usecase';
import {
  ListSubscriptionsCommand,
  ListSubscriptionsUseCase,
} from '../usecases/list-subscriptions/list-subscriptions.usecase';
import { TestWebhookUseCase } from '../usecases/test-webhook/test-webhook.usecase';
import { UpdateSubscriptionCommand } from '../usecases/update-subscription/update-subscription.command';
import { UpdateSubscriptionUseCase } from '../usecases/update-subscription/update-subscription.usecase';
import type { SubscriptionView, SubscriptionWithSecretView, TestWebhookResult } from '../views';
import {
  CreateSubscriptionDto,
  ProblemDetailsDto,
  SubscriptionDto,
  SubscriptionWithSecretDto,
  TestWebhookResultDto,
  UpdateSubscriptionDto,
} from './dto';
import { ProblemDetailsFilter } from './problem-details.filter';
import { CurrentSender, SenderPrincipalGuard } from './sender-principal';
import { PRINCIPAL_HEADER_DOC } from './status.controller';

@ApiTags('status')
@ApiHeader(PRINCIPAL_HEADER_DOC)
@ApiUnauthorizedResponse({ type: ProblemDetailsDto, description: 'No authenticated sender' })
@UseGuards(SenderPrincipalGuard)
@UseFilters(ProblemDetailsFilter)
@Controller('v1/status/subscriptions')
export class SubscriptionsController {
  private readonly urlRules: { allowInsecureUrls: boolean };

  constructor(
    @Inject(STATUS_CONFIG) config: StatusConfig,
    private readonly listSubscriptions: ListSubscriptionsUseCase,
    private readonly getSubscription: GetSubscriptionUseCase,
    private readonly createSubscription: CreateSubscriptionUseCase,
    private readonly updateSubscription: UpdateSubscriptionUseCase,
    private readonly deleteSubscription: DeleteSubscriptionUseCase,
    private readonly testWebhook: TestWebhookUseCase,
  ) {
    this.urlRules = { allowInsecureUrls: config.webhooks.allowInsecureUrls };
  }

  @Get()
  @ApiOperation({ summary: "The sender's subscriptions" })
  @ApiOkResponse({ type: [SubscriptionDto] })
  list(@CurrentSender() senderId: string): Promise<SubscriptionView[]> {
    return this.listSubscriptions.execute(ListSubscriptionsCommand.create(senderId));
  }

  @Post()
  @ApiOperation({
    summary: 'Subscribe to statuses on the status topic, by webhook, or both',
    description:
      'A sender without subscriptions gets every status on its topic. Webhooks are signed (SMIS-Signature: t=<unix>,v1=<HMAC-SHA256 hex of "<t>.<body>">) with the secret returned here, once.',
  })
  @ApiBody({ type: CreateSubscriptionDto })
  @ApiCreatedResponse({ type: SubscriptionWithSecretDto })
  @ApiBadRequestResponse({ type: ProblemDetailsDto })
  @ApiConflictResponse({ type: ProblemDetailsDto, description: 'Too many subscriptions' })
  create(
    @CurrentSender() senderId: string,
    @Body() body: CreateSubscriptionDto,
  ): Promise<SubscriptionWithSecretView> {
    return this.createSubscription.execute(CreateSubscriptionCommand.create(senderId, body, this.urlRules));
  }

  @Get(':subscriptionId')
  @ApiOperation({ summary: 'One subscription' })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiNotFoundResponse({ type: ProblemDetailsDto })
  get(@CurrentSender() senderId: string, @Param('subscriptionId') id: string): Promise<SubscriptionView> {
    return this.getSubscription.execute(SubscriptionRefCommand.create(senderId, id));
  }

  @Patch(':subscriptionId')
  @ApiOperation({ summary: 'Change event types, delivery or URL; re-enable or pause; rotate the secret' })
  @ApiBody({ type: UpdateSubscriptionDto })
  @ApiOkResponse({ type: SubscriptionWithSecretDto })
  @ApiBadRequestResponse({ type: ProblemDetailsDto })
  @ApiNotFoundResponse({ type: ProblemDetailsDto })
  update(
    @CurrentSender() senderId: string,
    @Param('subscriptionId') id: string,
    @Body() body: UpdateSubscriptionDto,
  ): Promise<SubscriptionWithSecretView> {
    return this.updateSubscription.execute(
      UpdateSubscriptionCommand.create(senderId, id, body, this.urlRules),
    );
  }

  @Delete(':subscriptionId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription (its queued webhook deliveries too)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ProblemDetailsDto })
  remove(@CurrentSender() senderId: string, @Param('subscriptionId') id: string): Promise<void> {
    return this.deleteSubscription.execute(SubscriptionRefCommand.create(senderId, id));
  }

  @Post(':subscriptionId/test')
  @HttpCode(200)
  @ApiOperation({
    summary: "Send a signed test event to the subscription's webhook now and report the receiver's answer",
  })
  @ApiOkResponse({ type: TestWebhookResultDto })
  @ApiBadRequestResponse({ type: ProblemDetailsDto, description: 'The subscription has no webhook' })
  @ApiNotFoundResponse({ type: ProblemDetailsDto })
  test(@CurrentSender() senderId: string, @Param('subscriptionId') id: string): Promise<TestWebhookResult> {
    return this.testWebhook.execute(SubscriptionRefCommand.create(senderId, id));
  }
}
