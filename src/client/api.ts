/**
 * The HTTP client of cao-server, shared by the CLI and the MCP server. Errors come back as
 * `CaoError` with the server's message, so every client prints the same words.
 */
import { CaoError, type CaoErrorCode } from '../lib/errors.js';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const STATUS_CODES: Record<number, CaoErrorCode> = {
  400: 'INVALID_INPUT',
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

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  url(path: string, query: Query = {}): string {
    const u = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    }
    return u.href;
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const signals = [o.signal, o.timeoutMs ? AbortSignal.timeout(o.timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    let res: Response;
    try {
      res = await this.fetchFn(this.url(path, o.query), {
        method,
        headers: o.body === undefined ? {} : { 'content-type': 'application/json' },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal:
          signals.length === 0
            ? undefined
            : signals.length === 1
              ? signals[0]
              : AbortSignal.any(signals),
      });
    } catch (e) {
      throw connectionError(this.baseUrl, e);
    }
    const text = await res.text();
    let data: unknown = undefined;
    if (text !== '') {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!res.ok) {
      const body = (typeof data === 'object' && data !== null ? data : {}) as Record<
        string,
        unknown
      >;
      const detail =
        typeof body['detail'] === 'string'
          ? body['detail']
          : `HTTP ${res.status} from ${method} ${path}`;
      const code = (typeof body['code'] === 'string' ? body['code'] : STATUS_CODES[res.status]) as
        CaoErrorCode | undefined;
      throw new CaoError(code ?? 'INTERNAL', detail, { details: { status: res.status, ...body } });
    }
    return data as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query ? { query } : {});
  }
  post<T>(path: string, query?: Query, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, {
      ...(query ? { query } : {}),
      ...(body === undefined ? {} : { body }),
    });
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

export function isConnectionRefused(e: unknown): boolean {
  return (
    e instanceof CaoError && e.code === 'UNAVAILABLE' && e.details?.['connection'] === 'refused'
  );
}

function connectionError(baseUrl: string, e: unknown): CaoError {
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
