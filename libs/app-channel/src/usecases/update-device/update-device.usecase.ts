import { BroadcastTopics } from '../../broadcast/broadcast-topics';
import { Inject, Injectable } from '@nestjs/common';
import type { AppChannelConfig } from '../../config';
import type { FieldProblem } from '../../errors';
import { AppChannelStore, type DeviceRow } from '../../store';
import { APP_CHANNEL_CONFIG } from '../../tokens';
import { APP_VERSION, fail, LOCALE, optionalText, pushTarget, type PushTarget } from '../validation';

export interface UpdateDeviceInput {
  push?: { provider: string; token?: string; subscription?: unknown } | null;
  notificationsEnabled?: boolean;
  locale?: string;
  appVersion?: string;
}

/** The signed device changes its own push address, notification permission, locale or app version. */
export class UpdateDeviceCommand {
  private constructor(
    readonly device: DeviceRow,
    readonly push: PushTarget | null | undefined,
    readonly notificationsEnabled: boolean | undefined,
    readonly locale: string | null | undefined,
    readonly appVersion: string | null | undefined,
  ) {}

  static create(
    device: DeviceRow,
    input: UpdateDeviceInput,
    allowInsecureWebPush: boolean,
  ): UpdateDeviceCommand {
    const problems: FieldProblem[] = [];
    const body = (input ?? {}) as UpdateDeviceInput;
    const push = 'push' in body ? pushTarget(body.push, problems, allowInsecureWebPush) : undefined;
    if (body.notificationsEnabled !== undefined && typeof body.notificationsEnabled !== 'boolean')
      problems.push({ field: 'notificationsEnabled', message: 'must be a boolean' });
    const locale = 'locale' in body ? optionalText(body.locale, 'locale', problems, LOCALE) : undefined;
    const appVersion =
      'appVersion' in body ? optionalText(body.appVersion, 'appVersion', problems, APP_VERSION) : undefined;
    fail(problems);
    return new UpdateDeviceCommand(device, push, body.notificationsEnabled, locale, appVersion);
  }
}

@Injectable()
export class UpdateDeviceUseCase {
  constructor(
    @Inject(APP_CHANNEL_CONFIG) readonly config: AppChannelConfig,
    private readonly store: AppChannelStore,
    private readonly topics: BroadcastTopics,
  ) {}

  async execute(command: UpdateDeviceCommand): Promise<void> {
    const d = command.device;
    await this.store.query(
      `UPDATE ${this.store.device} SET "push_provider" = $2, "push_token" = $3, "notifications_enabled" = $4,
         "locale" = $5, "app_version" = $6, "updated_at" = now() WHERE "device_id" = $1`,
      [
        d.device_id,
        command.push === undefined ? d.push_provider : (command.push?.provider ?? null),
        command.push === undefined ? d.push_token : (command.push?.token ?? null),
        command.notificationsEnabled ?? d.notifications_enabled,
        command.locale === undefined ? d.locale : command.locale,
        command.appVersion === undefined ? d.app_version : command.appVersion,
      ],
    );
    await this.topics.syncDevice(d.device_id);
  }
}
