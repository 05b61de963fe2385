import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'testing', dir: __dirname });
