import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PLATFORM_CONFIG } from '../tokens';
import type { PlatformConfig } from '../config';
import { openDatabase, type Database } from './database';

export const DATABASE = Symbol('DATABASE');

class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [PLATFORM_CONFIG],
      useFactory: (config: PlatformConfig) => openDatabase(config),
    },
    DatabaseCloser,
  ],
  exports: [DATABASE],
})
export class DatabaseModule {}
