import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'platform', dir: __dirname, integration: true });
