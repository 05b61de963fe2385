import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { describeError } from '@smis/messaging';
import { IdentityError, PROBLEM_TYPE_BASE, RateLimitedError } from '../errors';

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  send(body: string): void;
}

/**
 * Turns the identity API's errors into problem details. The instance is the path only (query
 * strings may carry codes, states or credentials); unexpected errors are logged and not shown.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('IdentityApi');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ originalUrl?: string; url?: string }>();
    const response = http.getResponse<HttpResponse>();
    const path = (request.originalUrl ?? request.url ?? '').split('?')[0];
    const problem = { ...this.toProblem(error), instance: path };
    if (error instanceof RateLimitedError) response.setHeader('Retry-After', String(error.retryAfterSeconds));
    response.status(problem.status);
    response.setHeader('Content-Type', 'application/problem+json');
    response.setHeader('Cache-Control', 'no-store');
    response.send(JSON.stringify(problem));
  }

  private toProblem(error: unknown): ProblemDetails {
    if (error instanceof IdentityError) {
      return {
        type: `${PROBLEM_TYPE_BASE}/${error.slug}`,
        title: error.title,
        status: error.status,
        detail: error.message,
        ...error.extensions,
      };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const answer = error.getResponse();
      const body =
        typeof answer === 'string' ? { message: answer } : (answer as { message?: unknown; error?: unknown });
      const title = typeof body.error === 'string' ? body.error : (HttpStatus[status] ?? 'Error');
      const detail = Array.isArray(body.message)
        ? body.message.join('; ')
        : String(body.message ?? error.message);
      return { type: 'about:blank', title, status, detail };
    }
    this.logger.error(`Unexpected error in the identity API: ${describeError(error)}`);
    return {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'The identity service failed to answer; try again later',
    };
  }
}
