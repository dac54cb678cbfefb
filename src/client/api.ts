/**
 * The HTTP client of cao-server, shared by the CLI and the MCP server: Hono's `hc` over the
 * server's own route types (`App`, a type-only import: no server code is loaded), so a call's
 * parameters and its answer are typed from the route that serves it. Errors come back as
 * `CaoError` with the server's message, so every client prints the same words.
 */
import { hc, type ClientResponse } from 'hono/client';
import type { SuccessStatusCode } from 'hono/utils/http-status';
import { CaoError, type CaoErrorCode } from '../lib/errors.js';
import { httpFetch } from './http-fetch.js';
import type { App } from '../server/app.js';

export type Api = ReturnType<typeof hc<App>>;

export interface ClientOptions {
  /** The transport (tests pass the app's own `request`). */
  fetch?: typeof fetch;
  /**
   * Called once when the server refuses the connection; if it resolves, the request is sent
   * again (the CLI starts cao-server there). A refused connection never reached a server, so
   * sending again is safe for every method.
   */
  onRefused?: () => Promise<void>;
  /** The credential sent with every request (`Authorization: Bearer …`), if any; a function
   *  is asked at each request (a server started meanwhile may have just written it). */
  token?: string | (() => string | undefined) | undefined;
}

const STATUS_CODES: Record<number, CaoErrorCode> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'TOO_LARGE',
  422: 'UNPROCESSABLE',
  502: 'AGENT_FAILED',
  503: 'UNAVAILABLE',
  504: 'TIMEOUT',
};

export class CaoClient {
  /** The typed API: `client.api.terminals[':id'].$get({ param: { id } })`. */
  readonly api: Api;
  private readonly fetchFn: typeof fetch;

  constructor(
    readonly baseUrl: string,
    o: ClientOptions = {},
  ) {
    const raw = o.fetch ?? httpFetch;
    const token = o.token;
    const base: typeof fetch = (input, init) => {
      const value = typeof token === 'function' ? token() : token;
      if (!value) return raw(input, init);
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${value}`);
      return raw(input, { ...init, headers });
    };
    let retried = false;
    this.fetchFn = async (input, init) => {
      try {
        return await base(input, init);
      } catch (e) {
        const error = connectionError(baseUrl, e);
        if (!isConnectionRefused(error) || !o.onRefused || retried) throw error;
        retried = true;
        await o.onRefused();
        try {
          return await base(input, init);
        } catch (again) {
          throw connectionError(baseUrl, again);
        }
      }
    };
    this.api = hc<App>(baseUrl, { fetch: this.fetchFn });
  }

  /** A URL of this server (for the event stream, which `hc` does not read). */
  url(path: string, query: Record<string, string | undefined> = {}): string {
    const u = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
    return u.href;
  }

  /** fetch with this client's transport and connection errors. */
  fetch(url: string, init?: RequestInit): Promise<Response> {
    return this.fetchFn(url, init);
  }
}

/** The JSON a route answers with on success. */
type Success<R> =
  R extends ClientResponse<infer T, infer S, 'json'>
    ? S extends SuccessStatusCode
      ? T
      : never
    : never;

/**
 * The answer of a successful call, or a `CaoError` carrying the server's message and code
 * (details, such as a refused send's status and question, in `details`).
 */
export async function ok<R extends ClientResponse<unknown, number, string>>(
  call: Promise<R>,
): Promise<Success<R>> {
  const res = await call;
  const text = await res.text();
  let data: unknown = undefined;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (res.ok) return data as Success<R>;
  const body = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const detail =
    typeof body['detail'] === 'string' ? body['detail'] : `HTTP ${res.status} from ${res.url}`;
  const code = (typeof body['code'] === 'string' ? body['code'] : STATUS_CODES[res.status]) as
    CaoErrorCode | undefined;
  throw new CaoError(code ?? 'INTERNAL', detail, { details: { status: res.status, ...body } });
}

/** Options for a call that may take long: `{ init: { signal } }`. */
export function within(ms: number): { init: RequestInit } {
  return { init: { signal: AbortSignal.timeout(ms) } };
}

export function isConnectionRefused(e: unknown): boolean {
  return (
    e instanceof CaoError && e.code === 'UNAVAILABLE' && e.details?.['connection'] === 'refused'
  );
}

function connectionError(baseUrl: string, e: unknown): CaoError {
  if (e instanceof CaoError) return e;
  const cause = (e as { cause?: { code?: string } }).cause;
  if (e instanceof Error && e.name === 'TimeoutError') {
    return new CaoError('TIMEOUT', `cao-server at ${baseUrl} did not answer in time.`, {
      cause: e,
    });
  }
  if (e instanceof Error && e.name === 'AbortError')
    return new CaoError('TIMEOUT', 'Request aborted.', { cause: e });
  const refused = cause?.code === 'ECONNREFUSED' || cause?.code === 'ECONNRESET';
  return new CaoError(
    'UNAVAILABLE',
    refused
      ? `cao-server is not running at ${baseUrl}. Start it with 'cao-server' (or 'cao server') in another terminal.`
      : `Failed to connect to cao-server at ${baseUrl}: ${cause?.code ?? (e as Error).message}`,
    { cause: e, details: { connection: refused ? 'refused' : 'failed' } },
  );
}
