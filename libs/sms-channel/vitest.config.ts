import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'sms-channel', dir: __dirname, integration: true });
