import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Req,
  Sse,
  UseFilters,
  UseGuards,
  type MessageEvent,
} from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { Observable } from 'rxjs';
import type { AppChannelConfig } from '../config';
import { InvalidCommandError } from '../errors';
import { LiveHub } from '../live/live-hub';
import type { DeviceRow } from '../store';
import { APP_CHANNEL_CONFIG } from '../tokens';
import { AcknowledgeMessageUseCase } from '../usecases/acknowledge-message/acknowledge-message.usecase';
import { DeleteMessageUseCase } from '../usecases/delete-message/delete-message.usecase';
import { FetchMessageUseCase } from '../usecases/fetch-message/fetch-message.usecase';
import { GetPreferencesUseCase } from '../usecases/get-preferences/get-preferences.usecase';
import { ListDevicesUseCase } from '../usecases/list-devices/list-devices.usecase';
import { ListSendersUseCase } from '../usecases/list-senders/list-senders.usecase';
import {
  RegisterDeviceCommand,
  type RegisterDeviceInput,
} from '../usecases/register-device/register-device.command';
import { RegisterDeviceUseCase } from '../usecases/register-device/register-device.usecase';
import { RevokeDeviceUseCase } from '../usecases/revoke-device/revoke-device.usecase';
import { SyncInboxCommand, SyncInboxUseCase } from '../usecases/sync-inbox/sync-inbox.usecase';
import {
  UpdateDeviceCommand,
  UpdateDeviceUseCase,
  type UpdateDeviceInput,
} from '../usecases/update-device/update-device.usecase';
import { UpdatePreferencesCommand } from '../usecases/update-preferences/update-preferences.command';
import { UpdatePreferencesUseCase } from '../usecases/update-preferences/update-preferences.usecase';
import { CurrentDevice, DeviceAuthGuard, DeviceRequestVerifier, type SignedRequest } from './device-auth';
import { DEVICE_HEADERS } from './device-signature';
import {
  DeviceDto,
  InboxPageDto,
  MessageEnvelopeDto,
  PreferencesDto,
  RegisteredDeviceDto,
  RegisterDeviceDto,
  SenderDirectoryEntryDto,
  UpdateDeviceDto,
  UpdatePreferencesDto,
} from './dto';
import { AppProblemDetailsFilter } from './problem-details.filter';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function messageId(value: string): string {
  if (!UUID.test(value)) throw new InvalidCommandError([{ field: 'messageId', message: 'must be a UUID' }]);
  return value;
}

const SIGNED = [
  ApiHeader({
    name: DEVICE_HEADERS.device,
    required: true,
    description: 'Device id (16-64 base64url characters)',
  }),
  ApiHeader({ name: DEVICE_HEADERS.timestamp, required: true, description: 'Epoch milliseconds of signing' }),
  ApiHeader({
    name: DEVICE_HEADERS.signature,
    required: true,
    description:
      'Ed25519 signature (base64url) over "SMIS-DEVICE-REQUEST-V1\\nMETHOD\\npath?query\\ntimestamp\\ndeviceId\\nhex(SHA-256(body))"',
  }),
];
function Signed(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const d of SIGNED) d(target, key, descriptor);
    UseGuards(DeviceAuthGuard)(target, key, descriptor);
  };
}

/** The citizen app's API: devices, inbox, receipts, preferences, sender directory, live events. */
@ApiTags('app')
@Controller('v1/app')
@UseFilters(AppProblemDetailsFilter)
export class AppController {
  constructor(
    @Inject(APP_CHANNEL_CONFIG) private readonly config: AppChannelConfig,
    private readonly verifier: DeviceRequestVerifier,
    private readonly registerDevice: RegisterDeviceUseCase,
    private readonly updateDevice: UpdateDeviceUseCase,
    private readonly listDevices: ListDevicesUseCase,
    private readonly revokeDevice: RevokeDeviceUseCase,
    private readonly syncInbox: SyncInboxUseCase,
    private readonly fetchMessage: FetchMessageUseCase,
    private readonly acknowledge: AcknowledgeMessageUseCase,
    private readonly deleteMessage: DeleteMessageUseCase,
    private readonly getPreferences: GetPreferencesUseCase,
    private readonly updatePreferences: UpdatePreferencesUseCase,
    private readonly listSenders: ListSendersUseCase,
    private readonly live: LiveHub,
  ) {}

  @Post('devices')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register or re-register this device with an enrolment credential',
    description:
      'Signed like every device request, with the signingPublicKey of the body (proof of possession).',
  })
  @ApiHeader(SIGNED_HEADER(DEVICE_HEADERS.device))
  @ApiBody({ type: RegisterDeviceDto })
  @ApiOkResponse({ type: RegisteredDeviceDto })
  async register(
    @Req() request: SignedRequest,
    @Body() body: RegisterDeviceInput,
  ): Promise<RegisteredDeviceDto> {
    const deviceId = this.verifier.deviceIdOf(request);
    const command = RegisterDeviceCommand.create(
      deviceId,
      body,
      this.config.push.webPush?.allowInsecureEndpoints ?? false,
    );
    await this.verifier.verify(request, command.signingPublicKey);
    return this.registerDevice.execute(command);
  }

  @Get('devices')
  @Signed()
  @ApiOperation({ summary: "The citizen's active devices" })
  @ApiOkResponse({ type: [DeviceDto] })
  devices(@CurrentDevice() device: DeviceRow): Promise<DeviceDto[]> {
    return this.listDevices.execute(device);
  }

  @Put('devices/current')
  @HttpCode(204)
  @Signed()
  @ApiOperation({
    summary: 'Change this device’s push address, notification permission, locale or app version',
  })
  @ApiBody({ type: UpdateDeviceDto })
  async update(@CurrentDevice() device: DeviceRow, @Body() body: UpdateDeviceInput): Promise<void> {
    await this.updateDevice.execute(
      UpdateDeviceCommand.create(device, body, this.config.push.webPush?.allowInsecureEndpoints ?? false),
    );
  }

  @Delete('devices/:deviceId')
  @HttpCode(204)
  @Signed()
  @ApiOperation({ summary: 'Revoke one of the citizen’s devices (this one included)' })
  @ApiParam({ name: 'deviceId' })
  async revoke(@CurrentDevice() device: DeviceRow, @Param('deviceId') deviceId: string): Promise<void> {
    await this.revokeDevice.execute(device, deviceId);
  }

  @Get('inbox')
  @Signed()
  @ApiOperation({ summary: 'Messages after the cursor that this device can open, oldest first' })
  @ApiOkResponse({ type: InboxPageDto })
  inbox(
    @CurrentDevice() device: DeviceRow,
    @Query('after') after?: string,
    @Query('limit') limit?: string,
  ): Promise<InboxPageDto> {
    return this.syncInbox.execute(SyncInboxCommand.create(device, after, limit, this.config.maxPageSize));
  }

  @Get('messages/:messageId')
  @Signed()
  @ApiOperation({ summary: 'The sealed envelope of a message' })
  @ApiOkResponse({ type: MessageEnvelopeDto })
  message(@CurrentDevice() device: DeviceRow, @Param('messageId') id: string): Promise<MessageEnvelopeDto> {
    return this.fetchMessage.execute(device, messageId(id));
  }

  @Post('messages/:messageId/delivered')
  @HttpCode(204)
  @Signed()
  @ApiOperation({ summary: 'Acknowledge that this device fetched the envelope (DELIVERED)' })
  async delivered(@CurrentDevice() device: DeviceRow, @Param('messageId') id: string): Promise<void> {
    await this.acknowledge.execute(device, messageId(id), 'delivered');
  }

  @Post('messages/:messageId/read')
  @HttpCode(204)
  @Signed()
  @ApiOperation({ summary: 'Read receipt: the citizen opened the message (READ)' })
  async read(@CurrentDevice() device: DeviceRow, @Param('messageId') id: string): Promise<void> {
    await this.acknowledge.execute(device, messageId(id), 'read');
  }

  @Delete('messages/:messageId')
  @HttpCode(204)
  @Signed()
  @ApiOperation({ summary: 'Delete a message from the inbox' })
  async remove(@CurrentDevice() device: DeviceRow, @Param('messageId') id: string): Promise<void> {
    await this.deleteMessage.execute(device, messageId(id));
  }

  @Get('preferences')
  @Signed()
  @ApiOkResponse({ type: PreferencesDto })
  preferences(@CurrentDevice() device: DeviceRow): Promise<PreferencesDto> {
    return this.getPreferences.execute(device);
  }

  @Put('preferences')
  @Signed()
  @ApiOperation({ summary: 'Change channel order, mutes and alert regions (published to the router)' })
  @ApiBody({ type: UpdatePreferencesDto })
  @ApiOkResponse({ type: PreferencesDto })
  setPreferences(@CurrentDevice() device: DeviceRow, @Body() body: unknown): Promise<PreferencesDto> {
    return this.updatePreferences.execute(UpdatePreferencesCommand.create(device, body));
  }

  @Put('preferences/muted-senders/:senderId')
  @Signed()
  @ApiOperation({ summary: 'Mute a sender (non-mandatory categories)' })
  @ApiOkResponse({ type: PreferencesDto })
  async mute(
    @CurrentDevice() device: DeviceRow,
    @Param('senderId') senderId: string,
  ): Promise<PreferencesDto> {
    const current = await this.getPreferences.execute(device);
    return this.updatePreferences.execute(
      UpdatePreferencesCommand.create(device, { mutedSenders: [...current.mutedSenders, senderId] }),
    );
  }

  @Delete('preferences/muted-senders/:senderId')
  @Signed()
  @ApiOperation({ summary: 'Unmute a sender' })
  @ApiOkResponse({ type: PreferencesDto })
  async unmute(
    @CurrentDevice() device: DeviceRow,
    @Param('senderId') senderId: string,
  ): Promise<PreferencesDto> {
    const current = await this.getPreferences.execute(device);
    return this.updatePreferences.execute(
      UpdatePreferencesCommand.create(device, {
        mutedSenders: current.mutedSenders.filter((s) => s !== senderId),
      }),
    );
  }

  @Get('senders')
  @ApiOperation({
    summary: 'The sender directory: names, logos and signing keys the app verifies envelopes with (public)',
  })
  @ApiOkResponse({ type: [SenderDirectoryEntryDto] })
  senders(): SenderDirectoryEntryDto[] {
    return this.listSenders.execute();
  }

  @Sse('events')
  @Signed()
  @ApiOperation({
    summary: 'Live events for a foreground app (Server-Sent Events): `message` with the new message id',
  })
  @ApiProduces('text/event-stream')
  events(@CurrentDevice() device: DeviceRow): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      subscriber.next({ type: 'ready', data: { deviceId: device.device_id } });
      return this.live.subscribe(device.device_id, (event) =>
        subscriber.next({ type: event.type, id: event.messageId, data: { messageId: event.messageId } }),
      );
    });
  }
}

function SIGNED_HEADER(name: string) {
  return {
    name,
    required: true,
    description: 'Signed with the body’s signingPublicKey (see the other device requests)',
  };
}
