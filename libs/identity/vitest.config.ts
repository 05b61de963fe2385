import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'identity', dir: __dirname, integration: true });
