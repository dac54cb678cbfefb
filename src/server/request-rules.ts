/**
 * Rules every request meets before a route runs (parameter rules are in params.ts):
 *
 * - one Host header: a second one is how a request smuggles a name past the Host check
 *   (`security.ts` would read both as one joined value) → 400;
 * - a body of at most MAX_BODY_BYTES → 413 beyond it, whether it declares its length or not;
 * - a path the API serves, asked with a method it does not serve → 405 with `Allow`.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { CaoError } from '../lib/errors.js';
import { errorBody } from './errors.js';

/** Request bodies: a flow file, a profile install, a message with its JSON around it. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function singleHost(): MiddlewareHandler {
  return async (c, next) => {
    // @hono/node-server joins repeated headers with ", "; a host name never has a comma
    if (c.req.header('host')?.includes(',')) {
      throw new CaoError('INVALID_INPUT', 'The request has more than one Host header.');
    }
    return next();
  };
}

export function bodySizeLimit(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new CaoError(
        'TOO_LARGE',
        `The request body is larger than ${maxBytes} bytes, the most cao-server accepts.`,
      );
    },
  });
}

/** `app` is read on the first 404, once every route is registered. */
export function wrongMethod(app: Hono): MiddlewareHandler {
  return methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) => {
      const allow = methods.join(', ');
      const err = new CaoError(
        'METHOD_NOT_ALLOWED',
        `${c.req.method} is not served for ${c.req.path}; use ${allow}.`,
      );
      return c.json(errorBody(err), 405, { Allow: allow });
    },
  });
}
