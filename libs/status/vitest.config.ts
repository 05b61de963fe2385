import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'status', dir: __dirname, integration: true });
