import { CreateOutbox1795300000000 } from '@smis/persistence';
import { CreateStatusTables1795400000000 } from './create-status-tables.migration';

export { CreateStatusTables1795400000000 };

export const STATUS_MIGRATIONS = [CreateOutbox1795300000000, CreateStatusTables1795400000000];
