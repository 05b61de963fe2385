import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';

/** RFC 9457 problem details; extension members (`errors`, OAuth's `error`) where they help. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ReadonlyArray<{ field: string; message: string }>;
  /** RFC 6749 error code, on the token endpoint. */
  error?: string;
  error_description?: string;
}

const TYPE_BASE = 'https://smis.example/problems/gateway';

/** An error the gateway answers with as problem details (and optional headers, e.g. Retry-After). */
export class ProblemError extends Error {
  constructor(
    readonly problem: Omit<ProblemDetails, 'type'> & { type?: string },
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }

  static invalid(detail: string, errors?: ProblemDetails['errors']): ProblemError {
    return new ProblemError({
      type: `${TYPE_BASE}/invalid-request`,
      title: 'Invalid request',
      status: 400,
      detail,
      errors,
    });
  }

  static oauth(status: 400 | 401, error: string, description: string): ProblemError {
    return new ProblemError(
      {
        type: `${TYPE_BASE}/oauth/${error}`,
        title: 'Token request refused',
        status,
        detail: description,
        error,
        error_description: description,
      },
      { 'Cache-Control': 'no-store' },
    );
  }

  static unauthorized(detail: string): ProblemError {
    return new ProblemError(
      { type: `${TYPE_BASE}/unauthorized`, title: 'Unauthorized', status: 401, detail },
      { 'WWW-Authenticate': 'Bearer realm="smis-gateway", error="invalid_token"' },
    );
  }

  static forbidden(detail: string): ProblemError {
    return new ProblemError({ type: `${TYPE_BASE}/forbidden`, title: 'Forbidden', status: 403, detail });
  }

  static notFound(detail: string): ProblemError {
    return new ProblemError({ type: `${TYPE_BASE}/not-found`, title: 'Not found', status: 404, detail });
  }

  static tooLarge(limit: number): ProblemError {
    return new ProblemError({
      type: `${TYPE_BASE}/payload-too-large`,
      title: 'Payload too large',
      status: 413,
      detail: `The request body exceeds ${limit} bytes`,
    });
  }

  static rateLimited(retryAfterSeconds: number, what = 'request rate'): ProblemError {
    return new ProblemError(
      {
        type: `${TYPE_BASE}/rate-limited`,
        title: 'Too many requests',
        status: 429,
        detail: `The sender's ${what} is exceeded; retry after ${retryAfterSeconds} s`,
      },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  send(body: string): void;
}

/** Every error of the gateway's routes as problem details; unexpected errors are logged, not shown. */
@Catch()
export class GatewayProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Gateway');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ originalUrl?: string; url?: string }>();
    const response = http.getResponse<HttpResponse>();
    const { problem, headers } = this.toProblem(error);
    response.status(problem.status);
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.setHeader('Content-Type', 'application/problem+json');
    response.send(
      JSON.stringify({ type: 'about:blank', ...problem, instance: request.originalUrl ?? request.url }),
    );
  }

  private toProblem(error: unknown): { problem: ProblemError['problem']; headers: Record<string, string> } {
    if (error instanceof ProblemError) return { problem: error.problem, headers: error.headers };
    if (error instanceof HttpException) {
      const status = error.getStatus();
      if (status === HttpStatus.PAYLOAD_TOO_LARGE)
        return { problem: ProblemError.tooLarge(0).problem, headers: {} };
      return {
        problem: { title: HttpStatus[status] ?? 'Error', status, detail: error.message },
        headers: {},
      };
    }
    this.logger.error(
      `Unexpected error in the gateway: ${error instanceof Error ? error.name : typeof error}`,
    );
    return {
      problem: {
        title: 'Internal Server Error',
        status: 500,
        detail: 'The gateway failed to answer; try again later',
      },
      headers: {},
    };
  }
}
