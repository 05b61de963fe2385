import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'provisioning', dir: __dirname, integration: true });
