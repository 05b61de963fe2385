import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { describeError } from '@smis/messaging';
import { ConflictError, InvalidCommandError, NotFoundError } from '../errors';

/** RFC 9457 problem details; `errors` lists the fields of an invalid request. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ReadonlyArray<{ field: string; message: string }>;
}

interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  send(body: string): void;
}

const TYPE_BASE = 'https://smis.example/problems/status';

/** Turns the status API's errors into problem details; unexpected errors are logged, not shown. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('StatusApi');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ originalUrl?: string; url?: string }>();
    const response = http.getResponse<HttpResponse>();
    const problem = { ...this.toProblem(error), instance: request.originalUrl ?? request.url };
    response.status(problem.status);
    response.setHeader('Content-Type', 'application/problem+json');
    response.send(JSON.stringify(problem));
  }

  private toProblem(error: unknown): ProblemDetails {
    if (error instanceof InvalidCommandError) {
      return {
        type: `${TYPE_BASE}/invalid-request`,
        title: 'Invalid request',
        status: HttpStatus.BAD_REQUEST,
        detail: error.message,
        errors: error.problems,
      };
    }
    if (error instanceof NotFoundError) {
      return {
        type: `${TYPE_BASE}/not-found`,
        title: 'Not found',
        status: HttpStatus.NOT_FOUND,
        detail: error.message,
      };
    }
    if (error instanceof ConflictError) {
      return {
        type: `${TYPE_BASE}/conflict`,
        title: 'Conflict',
        status: HttpStatus.CONFLICT,
        detail: error.message,
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
    this.logger.error(`Unexpected error in the status API: ${describeError(error)}`);
    return {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'The status service failed to answer; try again later',
    };
  }
}
