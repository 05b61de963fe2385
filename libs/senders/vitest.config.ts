import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'senders', dir: __dirname });
