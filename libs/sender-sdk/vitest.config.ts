import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'sender-sdk', dir: __dirname, integration: true });
