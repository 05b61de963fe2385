import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'app-channel', dir: __dirname, integration: true });
