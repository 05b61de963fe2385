/**
 * Every way content can be refused. Messages name the JSON path (`$.texts.fr.title`) and say
 * what is expected; they never quote the content (it is personal, and errors end up in logs).
 */

export type ContentErrorCode = 'MALFORMED_CONTENT' | 'INVALID_CONTENT' | 'CONTENT_TOO_LARGE';

export abstract class ContentError extends Error {
  abstract readonly code: ContentErrorCode;
  readonly retriable = false;
  protected constructor(
    /** JSON path of the offending value, `$` for the whole document. */
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The bytes are not UTF-8 JSON at all. */
export class MalformedContentError extends ContentError {
  readonly code = 'MALFORMED_CONTENT' as const;
  constructor(
    /** `not-utf8`, `byte-order-mark`, `not-json`. */
    readonly reason: 'not-utf8' | 'byte-order-mark' | 'not-json',
    detail: string,
  ) {
    super('$', `malformed message content (${reason}): ${detail}`);
  }
}

/** The JSON does not follow the content format; `path` says where, the message what to fix. */
export class InvalidContentError extends ContentError {
  readonly code = 'INVALID_CONTENT' as const;
  constructor(path: string, expected: string) {
    super(path, `invalid message content at ${path}: ${expected}`);
  }
}

/** The encoded content (or one of its values) is over a size limit. */
export class ContentTooLargeError extends ContentError {
  readonly code = 'CONTENT_TOO_LARGE' as const;
  constructor(
    path: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      path,
      `message content too large at ${path}: ${sizeBytes} bytes, the limit is ${limitBytes} ` +
        '(shrink images or move documents to the eBox)',
    );
  }
}

export function isContentError(error: unknown): error is ContentError {
  return error instanceof ContentError;
}
