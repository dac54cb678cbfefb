/**
 * `fetch` over `node:http`, for the CLI and the MCP bridge talking to cao-server on this
 * machine. Node's own fetch (undici) parses HTTP with a WebAssembly module that V8 compiles
 * at the first request and finishes compiling before the process may exit: about 100 ms of
 * every short `cao` command on a 2-core machine, more than the requests themselves. This does
 * the same for what cao's clients send (a string or bytes body, headers, an abort signal),
 * answers with a standard `Response` whose body streams (the event stream), and fails as
 * fetch does (`TypeError('fetch failed')` with the socket error as its cause). Anything else
 * (https, a `Request` object, a stream body) goes to the global fetch unchanged.
 */
import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** Statuses whose response has no body (a Response refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export const httpFetch: typeof fetch = (input, init) => {
  const body = init?.body;
  const plainBody =
    body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  if (typeof input !== 'string' && !(input instanceof URL)) return fetch(input, init);
  const url = new URL(input);
  if (url.protocol !== 'http:' || !plainBody) return fetch(input, init);

  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
  if (typeof body === 'string' && headers['content-type'] === undefined)
    headers['content-type'] = 'text/plain;charset=UTF-8';
  const signal = init?.signal ?? undefined;

  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const req = request(url, { method: init?.method ?? 'GET', headers });
    const onAbort = (): void => {
      const reason = signal?.reason as Error;
      req.destroy(reason);
      reject(reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    req.on('error', (e) => {
      done();
      reject(
        signal?.aborted ? (signal.reason as Error) : new TypeError('fetch failed', { cause: e }),
      );
    });
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const out = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
        out.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
      // the body keeps listening for the abort while it streams; it ends the listening itself
      res.on('close', done);
      const stream = NULL_BODY.has(status)
        ? null
        : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
      if (stream === null) res.resume();
      const response = new Response(stream, {
        status,
        statusText: res.statusMessage ?? '',
        headers: out,
      });
      Object.defineProperty(response, 'url', { value: url.href });
      resolve(response);
    });
    req.end(body ?? undefined);
  });
};
