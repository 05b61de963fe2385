import { CreateOutbox1795300000000 } from '@smis/persistence';
import { CreateIdentityTables1795500000000 } from './create-identity-tables.migration';

export { CreateIdentityTables1795500000000 };

export const IDENTITY_MIGRATIONS = [CreateOutbox1795300000000, CreateIdentityTables1795500000000];
