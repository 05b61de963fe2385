import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'observability', dir: __dirname, integration: true });
