import { mergeConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.shared';

// One file at a time: the platform specs each start a platform on the default topics and
// consumer groups of the shared broker, so side by side they would take each other's records.
export default mergeConfig(projectConfig({ name: 'platform', dir: __dirname, integration: true }), {
  test: { fileParallelism: false },
});
