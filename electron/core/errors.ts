/**
 * Errors raised by core services. The codes are MLflow's so the tracking API can answer with
 * MLflow's JSON shape; the HTTP status follows the code.
 */
export type ErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'BAD_REQUEST'
  | 'INVALID_STATE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'ENDPOINT_NOT_FOUND'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'INTERNAL_ERROR';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  ENDPOINT_NOT_FOUND: 404,
  TEMPORARILY_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

export class MLDeskError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MLDeskError';
  }

  get httpStatus(): number {
    return STATUS_BY_CODE[this.code];
  }
}

export const invalidParameter = (message: string) => new MLDeskError('INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string) => new MLDeskError('RESOURCE_DOES_NOT_EXIST', message);
export const alreadyExists = (message: string) => new MLDeskError('RESOURCE_ALREADY_EXISTS', message);
/** A write to something opened read-only (a bundle), or an action this caller may not take. */
export const permissionDenied = (message: string) => new MLDeskError('PERMISSION_DENIED', message);

/**
 * The service error an unexpected error stands for, if any. SQLite answers SQLITE_BUSY when another
 * process (the CLI beside the app) held the database past busy_timeout: the client may retry (503).
 * A path from a request that the file system cannot take (too long, a NUL character) is the
 * request's fault (400), wherever it was caught.
 */
export function knownError(error: unknown): MLDeskError | null {
  if (error instanceof MLDeskError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENAMETOOLONG') {
    return invalidParameter('A path in the request is too long for the file system: file names are limited to 255 bytes and paths to 4,096.');
  }
  if (code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test((error as Error).message)) {
    return invalidParameter('A path in the request holds a NUL character, which no file name can hold.');
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
    return new MLDeskError('TEMPORARILY_UNAVAILABLE', 'The database is busy: another process has been writing to it for over 5 seconds. Retry shortly.');
  }
  return null;
}
