import { CreateOutbox1795300000000 } from '@smis/persistence';
import { CreateAppChannelTables1796000000000 } from './create-app-channel-tables.migration';
import { CreateBroadcastTables1796100000000 } from './create-broadcast-tables.migration';

export { CreateAppChannelTables1796000000000, CreateBroadcastTables1796100000000 };

export const APP_CHANNEL_MIGRATIONS = [
  CreateOutbox1795300000000,
  CreateAppChannelTables1796000000000,
  CreateBroadcastTables1796100000000,
];
