import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'push-emulators', dir: __dirname });
