import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'contracts', dir: __dirname });
