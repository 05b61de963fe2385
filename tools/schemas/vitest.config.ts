import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'schema-tools', dir: __dirname });
