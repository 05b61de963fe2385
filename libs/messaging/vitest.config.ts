import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'messaging', dir: __dirname, integration: true });
