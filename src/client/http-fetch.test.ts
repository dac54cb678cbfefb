import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaoClient, isConnectionRefused } from './api.js';
import { httpFetch } from './http-fetch.js';

let server: Server;
let base: string;
/** Writes of the streaming route wait for this to be called. */
let release: () => void = () => {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/echo') {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
      } else if (req.url === '/empty') {
        res.statusCode = 204;
        res.end();
      } else if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        release = () => res.end('data: second\n\n');
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 5000).unref();
      } else {
        res.statusCode = 404;
        res.end('{"detail":"no such thing"}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('httpFetch', () => {
  it('sends the method, headers and body, and answers as fetch does', async () => {
    const res = await httpFetch(`${base}/echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"x":"é"}',
    });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.url).toBe(`${base}/echo`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const got = (await res.json()) as {
      method: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(got.method).toBe('POST');
    expect(got.headers['authorization']).toBe('Bearer t');
    expect(got.body).toBe('{"x":"é"}');
  });

  it('gives an error status and a body-less answer as they are', async () => {
    const missing = await httpFetch(`${base}/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('{"detail":"no such thing"}');
    const empty = await httpFetch(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('streams the body as it comes (the event stream)', async () => {
    const res = await httpFetch(`${base}/stream`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    release();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value);
    expect(rest).toBe('data: second\n\n');
  });

  it('stops at its signal with the signal’s reason', async () => {
    const e = await httpFetch(`${base}/slow`, { signal: AbortSignal.timeout(100) }).catch(
      (x: unknown) => x,
    );
    expect((e as Error).name).toBe('TimeoutError');
  });

  it('fails as fetch does when nothing listens, so the client says the server is not running', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = await httpFetch(`http://127.0.0.1:${port}/health`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    const client = new CaoClient(`http://127.0.0.1:${port}`);
    const refused = await client.fetch(`http://127.0.0.1:${port}/health`).catch((x: unknown) => x);
    expect(isConnectionRefused(refused)).toBe(true);
  });
});
