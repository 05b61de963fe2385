import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'gateway', dir: __dirname, integration: true });
