import path from 'node:path';
import tsconfigPaths from 'vite-tsconfig-paths';
import { mergeConfig } from 'vitest/config';
import { projectConfig } from '../vitest.shared';

// The root tsconfig.json includes apps/, libs/ and tools/ only, so the @smis/* aliases are also
// resolved through this project's own tsconfig (which extends the base with the same paths).
export default mergeConfig(
  projectConfig({ name: 'deploy', dir: __dirname, integration: true, testTimeout: 300_000 }),
  {
    plugins: [
      tsconfigPaths({
        root: path.resolve(__dirname, '..'),
        projects: [path.join(__dirname, 'tsconfig.json')],
      }),
    ],
  },
);
