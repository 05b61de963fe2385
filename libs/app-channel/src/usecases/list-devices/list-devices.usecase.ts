import { Injectable } from '@nestjs/common';
import { AppChannelStore, type DeviceRow } from '../../store';

export interface DeviceView {
  deviceId: string;
  keyId: string;
  pushProvider: string | null;
  notificationsEnabled: boolean;
  locale: string | null;
  appVersion: string | null;
  registeredAt: string;
  /** The device making the request. */
  current: boolean;
}

/** The citizen's active devices (those sharing a pseudonym with the asking device). */
@Injectable()
export class ListDevicesUseCase {
  constructor(private readonly store: AppChannelStore) {}

  async execute(device: DeviceRow): Promise<DeviceView[]> {
    const devices = await this.store.activeDevicesOf(await this.store.pseudonymsOf(device.device_id));
    return devices.map((d) => ({
      deviceId: d.device_id,
      keyId: d.key_id,
      pushProvider: d.push_token ? d.push_provider : null,
      notificationsEnabled: d.notifications_enabled,
      locale: d.locale,
      appVersion: d.app_version,
      registeredAt: new Date(d.created_at).toISOString(),
      current: d.device_id === device.device_id,
    }));
  }
}
