import { projectConfig } from '../../vitest.shared';

// `npm start` as a user runs it: start.ts as a child process, against the test broker (and once
// with a broker of its own), the printed demo command, Ctrl-C.
export default projectConfig({ name: 'dev', dir: __dirname, integration: true, testTimeout: 180_000 });
