import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'keyring', dir: __dirname });
