import 'reflect-metadata';
import { bootstrap } from './bootstrap';

async function main(): Promise<void> {
  const platform = await bootstrap();
  // Close every module (consumers commit, producers flush, databases close), then exit.
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    platform
      .close()
      .then(() => process.exit(0))
      .catch((error: Error) => {
        process.stderr.write(
          `${JSON.stringify({ level: 'error', msg: `shutdown after ${signal} failed`, error: error.message })}\n`,
        );
        process.exit(1);
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: Error) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', msg: 'platform failed to start', error: error.message })}\n`,
  );
  process.exit(1);
});
