import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'persistence', dir: __dirname, integration: true });
