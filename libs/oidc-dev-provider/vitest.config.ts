import { projectConfig } from '../../vitest.shared';

export default projectConfig({ name: 'oidc-dev-provider', dir: __dirname });
