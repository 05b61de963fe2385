import { CreateOutbox1795300000000 } from '@smis/persistence';
import { CreateBroadcastJob1796200000000 } from './create-broadcast-job.migration';

export { CreateBroadcastJob1796200000000 };

export const BROADCAST_MIGRATIONS = [CreateOutbox1795300000000, CreateBroadcastJob1796200000000];
