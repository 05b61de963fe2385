import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../tokens';
import { ProblemError } from './problem';

interface Request {
  headers: Record<string, string | string[] | undefined>;
  originalUrl?: string;
  url?: string;
}
interface Response {
  status(code: number): Response;
  setHeader(name: string, value: string): void;
  send(body: string): void;
}

/** 413 as problem details for a body over the gateway's limit (by its declared length). */
@Injectable()
export class BodyLimitMiddleware implements NestMiddleware {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  use(request: Request, response: Response, next: () => void): void {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > this.config.maxRequestBytes) {
      const problem = ProblemError.tooLarge(this.config.maxRequestBytes).problem;
      response.status(413);
      response.setHeader('Content-Type', 'application/problem+json');
      response.setHeader('Connection', 'close');
      response.send(JSON.stringify({ ...problem, instance: request.originalUrl ?? request.url }));
      return;
    }
    next();
  }
}
