import { projectConfig } from '../../vitest.shared';

// Fault and security tests start clusters of their own (three nodes, SASL): no shared broker.
export default projectConfig({ name: 'reliability', dir: __dirname, testTimeout: 300_000 });
