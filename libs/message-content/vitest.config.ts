import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'message-content', dir: __dirname });
