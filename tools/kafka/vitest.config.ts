import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'kafka-local', dir: __dirname });
