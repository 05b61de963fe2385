/**
 * Capacitor project of the citizen app (`npx cap add android|ios`, then `npx cap sync`), with
 * `webDir` the Vite build output. The shape is @capacitor/cli's CapacitorConfig; the CLI (which
 * needs Node 22) is not installed in this workspace, hence the local type.
 */
interface CapacitorConfig {
  appId: string;
  appName: string;
  webDir: string;
  server?: { androidScheme?: string; iosScheme?: string; hostname?: string };
  plugins?: Record<string, Record<string, unknown>>;
}

const config: CapacitorConfig = {
  appId: 'be.smis.citizen',
  appName: 'SMIS',
  webDir: '../../dist/apps/citizen-app',
  server: { androidScheme: 'https', iosScheme: 'https', hostname: 'localhost' },
  plugins: {
    PushNotifications: { presentationOptions: ['badge', 'sound', 'alert'] },
  },
};

export default config;
