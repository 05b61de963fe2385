import type { ServiceName } from '@smis/keyring';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Finds the calling service from `Authorization: Bearer <service token>`. Compares SHA-256
 * digests in constant time against every configured token, so neither the token's length nor
 * which token it resembles shows in the timing.
 */
export class ServiceAuthenticator {
  private readonly digests: ReadonlyArray<{ service: ServiceName; digest: Buffer }>;

  constructor(tokens: Partial<Record<ServiceName, string>>) {
    this.digests = Object.entries(tokens)
      .filter(([, token]) => typeof token === 'string' && token.length > 0)
      .map(([service, token]) => ({
        service: service as ServiceName,
        digest: createHash('sha256')
          .update(token as string, 'utf8')
          .digest(),
      }));
  }

  authenticate(authorization: string | undefined): ServiceName | undefined {
    const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(authorization ?? '');
    const presented = createHash('sha256')
      .update(match ? match[1] : '', 'utf8')
      .digest();
    let found: ServiceName | undefined;
    for (const { service, digest } of this.digests) {
      if (timingSafeEqual(digest, presented) && match) found = service;
    }
    return found;
  }
}
