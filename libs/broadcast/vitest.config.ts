import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'broadcast', dir: __dirname, integration: true, testTimeout: 300_000 });
