import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'crypto', dir: __dirname });
