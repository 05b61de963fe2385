import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { describeError } from '@smis/messaging';
import { AuthenticationError, ConflictError, InvalidCommandError, NotFoundError } from '../errors';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ReadonlyArray<{ field: string; message: string }>;
}

interface HttpResponse {
  headersSent?: boolean;
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  send(body: string): void;
}

const TYPE_BASE = 'https://smis.example/problems/app';

/** The app API's errors as RFC 9457 problem details; unexpected errors are logged, not shown. */
@Catch()
export class AppProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('AppApi');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ originalUrl?: string; url?: string }>();
    const response = http.getResponse<HttpResponse>();
    if (response.headersSent) return;
    const problem = {
      ...this.toProblem(error),
      instance: (request.originalUrl ?? request.url ?? '').split('?')[0],
    };
    response.status(problem.status);
    response.setHeader('Content-Type', 'application/problem+json');
    response.send(JSON.stringify(problem));
  }

  private toProblem(error: unknown): ProblemDetails {
    if (error instanceof InvalidCommandError)
      return {
        type: `${TYPE_BASE}/invalid-request`,
        title: 'Invalid request',
        status: 400,
        detail: error.message,
        errors: error.problems,
      };
    if (error instanceof AuthenticationError)
      return {
        type: `${TYPE_BASE}/unauthenticated`,
        title: 'Unauthenticated',
        status: 401,
        detail: error.message,
      };
    if (error instanceof NotFoundError)
      return { type: `${TYPE_BASE}/not-found`, title: 'Not found', status: 404, detail: error.message };
    if (error instanceof ConflictError)
      return { type: `${TYPE_BASE}/conflict`, title: 'Conflict', status: 409, detail: error.message };
    if (error instanceof HttpException) {
      const status = error.getStatus();
      return { type: 'about:blank', title: HttpStatus[status] ?? 'Error', status, detail: error.message };
    }
    this.logger.error(`Unexpected error in the app API: ${describeError(error)}`);
    return {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'The app channel failed to answer; try again later',
    };
  }
}
