import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody, ErrorCode } from '../../shared/protocol/errors.js';

const STATUS_OF: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  client_too_old: 426,
  rate_limited: 429,
  locked_out: 429,
  internal: 500,
  unavailable: 503,
};

/** An error meant for the client: its code decides the status, its message says what to do. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS_OF[code];
  }
}

export function errorBody(code: ErrorCode, message: string, requestId?: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(requestId ? { requestId } : {}), ...(details === undefined ? {} : { details }) } };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}. See README.md for the API.`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  message?: string;
}

/** Maps anything thrown to the one error shape; unexpected errors are logged and never leak internals. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const requestId = String(req.id ?? '');
  const parserError = error as BodyParserError;
  let appError: AppError;
  if (error instanceof AppError) {
    appError = error;
  } else if (parserError.type === 'entity.parse.failed') {
    appError = new AppError('bad_request', 'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.');
  } else if (parserError.type === 'entity.too.large') {
    appError = new AppError('payload_too_large', `The request body is larger than the ${parserError.limit} bytes allowed.`, {
      details: { limitBytes: parserError.limit },
    });
  } else if (parserError.type === 'encoding.unsupported' || parserError.type === 'charset.unsupported') {
    appError = new AppError('unsupported_media_type', 'Send the body as UTF-8 JSON.');
  } else if (isClientError(error)) {
    // Other errors Express and body-parser mark as the client's (bad gzip, bad %-encoding in a path, an aborted upload).
    appError = new AppError(error.status === 413 ? 'payload_too_large' : 'bad_request', `The request could not be read: ${error.message}`);
  } else {
    req.log?.error({ err: error }, 'unhandled error');
    appError = new AppError('internal', 'Something went wrong on the server. Try again; if it persists, report this request id.');
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(appError.options.headers ?? {})) res.setHeader(name, value);
  res.status(appError.status).json(errorBody(appError.code, appError.message, requestId, appError.options.details));
};

function isClientError(error: unknown): error is { status: number; message: string } {
  const status = (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 && error instanceof Error;
}
