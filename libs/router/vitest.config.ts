import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'router', dir: __dirname, integration: true });
