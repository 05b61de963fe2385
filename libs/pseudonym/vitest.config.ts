import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'pseudonym', dir: __dirname });
