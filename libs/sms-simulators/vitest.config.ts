import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'sms-simulators', dir: __dirname });
