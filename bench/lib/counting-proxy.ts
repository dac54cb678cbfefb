/**
 * A counting HTTP proxy on 127.0.0.1, in the bench's own process: a client pointed at it
 * (`CAO_API_URL`) reaches cao-server as before, and every request it made is recorded, in the
 * order it started. Bodies and answers are streamed through untouched.
 */
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ProxiedCall {
  method: string;
  /** The path and query as the client sent them. */
  path: string;
  /** The server's status code (0 while the answer has not begun; 502 if it could not be reached). */
  status: number;
  /** From the request's arrival to the end of the answer (NaN until then). */
  ms: number;
}

export interface CountingProxy {
  /** The base URL to give the client. */
  url: string;
  /** Every request so far; empty it between runs with `calls.length = 0`. */
  calls: ProxiedCall[];
  close(): Promise<void>;
}

export async function countingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const calls: ProxiedCall[] = [];
  const server = createServer((req, res) => {
    const t0 = performance.now();
    const call: ProxiedCall = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      status: 0,
      ms: Number.NaN,
    };
    calls.push(call);
    res.on('finish', () => (call.ms = performance.now() - t0));
    const headers: IncomingHttpHeaders = { ...req.headers, host: to.host };
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers },
      (answer) => {
        call.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      call.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`counting proxy: ${e.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `METHOD /path`, with terminal ids and numbers in the path written as placeholders. */
export function callName(c: ProxiedCall): string {
  const path = (c.path.split('?')[0] ?? '')
    .replace(/\/terminals\/[0-9a-f]{8}(?=\/|$)/, '/terminals/{id}')
    .replace(/\/sessions\/[^/]+(?=\/|$)/, '/sessions/{name}')
    .replace(/\/turns\/\d+(?=\/|$)/, '/turns/{turn}');
  return `${c.method} ${path}`;
}
