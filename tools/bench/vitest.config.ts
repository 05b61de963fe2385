import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'bench', dir: __dirname });
