import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'cli', dir: __dirname, integration: true });
