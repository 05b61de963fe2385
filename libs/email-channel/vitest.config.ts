import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'email-channel', dir: __dirname, integration: true });
