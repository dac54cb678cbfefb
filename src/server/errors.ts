/**
 * The one place where error codes become HTTP statuses. Errors are JSON:
 * `{"detail": "<message>", "code": "<CaoErrorCode>", ...details}` (FastAPI's `detail` key, so
 * clients of the original CAO keep working).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CaoError, type CaoErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';

export const HTTP_STATUS: Record<CaoErrorCode, ContentfulStatusCode> = {
  INVALID_INPUT: 400,
  UNPROCESSABLE: 422,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  METHOD_NOT_ALLOWED: 405,
  TOO_LARGE: 413,
  NOT_INSTALLED: 400,
  AGENT_FAILED: 502,
  TIMEOUT: 504,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function errorBody(e: CaoError): Record<string, unknown> {
  return { detail: e.message, code: e.code, ...(e.details ?? {}) };
}

export function onError(log: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof CaoError) {
      if (err.code === 'INTERNAL') log.error(err.message, { stack: err.stack });
      return c.json(errorBody(err), HTTP_STATUS[err.code]);
    }
    if (err instanceof SyntaxError && /JSON/.test(err.message)) {
      return c.json({ detail: `Invalid JSON body: ${err.message}`, code: 'INVALID_INPUT' }, 400);
    }
    log.error('unhandled error', { error: err.message, stack: err.stack, path: c.req.path });
    return c.json({ detail: `Internal error: ${err.message}`, code: 'INTERNAL' }, 500);
  };
}
