import { CreateOutbox1795300000000 } from '@smis/persistence';
import { CreateRouterTables1795500000000 } from './create-router-tables.migration';

export const ROUTER_MIGRATIONS = [CreateOutbox1795300000000, CreateRouterTables1795500000000];
