/**
 * The one error type of cao. Every layer throws `CaoError` with a code; the HTTP layer maps
 * codes to status codes in one place (`server/errors.ts`), the CLI prints `Error: <message>`.
 */
export type CaoErrorCode =
  | 'INVALID_INPUT' // the caller sent something we cannot use (400)
  | 'UNPROCESSABLE' // a required parameter is missing or has the wrong type (422)
  | 'NOT_FOUND' // a session, terminal, profile or message does not exist (404)
  | 'CONFLICT' // the thing exists already, or is in a state that forbids the request (409)
  | 'UNAUTHORIZED' // no valid credential (401): the message says where the token is
  | 'FORBIDDEN' // a foreign Host or Origin, or a credential without the right (403)
  | 'METHOD_NOT_ALLOWED' // the path exists, with other methods (405)
  | 'TOO_LARGE' // a request body or message over its documented size (413)
  | 'NOT_INSTALLED' // a provider's CLI binary is not on PATH (400: the caller can fix it)
  | 'AGENT_FAILED' // the agent CLI errored, exited or stopped at a prompt (502)
  | 'TIMEOUT' // waiting for an agent ran out of time (504)
  | 'UNAVAILABLE' // the server or tmux cannot be reached (503)
  | 'INTERNAL'; // our own bug (500)

export interface CaoErrorOptions {
  cause?: unknown;
  /** Machine-readable extras (terminal id, kind, screen tail...). Sent to HTTP clients. */
  details?: Record<string, unknown>;
}

export class CaoError extends Error {
  readonly code: CaoErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: CaoErrorCode, message: string, options: CaoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CaoError';
    this.code = code;
    this.details = options.details;
  }
}

export const isCaoError = (e: unknown): e is CaoError => e instanceof CaoError;

/** Message of any thrown value, for logs and wrapped errors. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
