/**
 * `WS /terminals/{id}/ws` over a real port (the in-process stack with the fake runtime and a
 * fake Claude Code screen): the frame protocol, origin rules, unknown terminals, input, resize.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { viewStream } from '../../test/support/terminal-view.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from '../core/views.js';
import { sizeSequence } from '../runtime/pane-stream.js';
import { socketOriginAllowed } from './security.js';
import { createSocketServer, parseClientMessage } from './ws.js';

let s: TestStack | undefined;
let server: ServerType | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await s?.close();
  s = undefined;
});

async function start(
  o: Parameters<typeof createTestStack>[0] = {},
): Promise<{ stack: TestStack; port: number; terminal: TerminalView }> {
  const stack = createTestStack(o);
  s = stack;
  const srv = serve({
    fetch: stack.app.fetch,
    hostname: '127.0.0.1',
    port: 0,
    websocket: { server: createSocketServer() },
  });
  server = srv;
  await new Promise<void>((resolve) => srv.once('listening', () => resolve()));
  const port = (srv.address() as AddressInfo).port;
  const r = await stack.req<TerminalView>('POST', '/sessions', {
    agent_profile: 'developer',
    provider: 'claude_code',
    session_name: 'ws1',
    working_directory: stack.work,
  });
  expect(r.status).toBe(201);
  return { stack, port, terminal: r.body };
}

interface Client {
  ws: WebSocket;
  frames: Buffer[];
  /** Resolves with the close code and reason, or with the HTTP status of a refused upgrade. */
  closed: Promise<{ code: number; reason: string; status?: number }>;
  opened: Promise<boolean>;
}

function connect(port: number, path: string, extra: Record<string, string> = {}): Client {
  // as the owner unless the test says otherwise ('' = send no such header)
  const headers = Object.fromEntries(
    Object.entries({ authorization: `Bearer ${s?.tokens.owner ?? ''}`, ...extra }).filter(
      ([, v]) => v !== '',
    ),
  );
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
  sockets.push(ws);
  const frames: Buffer[] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) frames.push(Buffer.from(data));
  });
  const closed = new Promise<{ code: number; reason: string; status?: number }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ code: 0, reason: '', status: res.statusCode });
      ws.terminate();
    });
    ws.on('error', () => {});
  });
  const opened = new Promise<boolean>((resolve) => {
    ws.on('open', () => resolve(true));
    void closed.then(() => resolve(false));
  });
  return { ws, frames, closed, opened };
}

const waitFor = async (pred: () => boolean | Promise<boolean>, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met in time');
};

const text = (frames: Buffer[]): string => Buffer.concat(frames).toString('utf8');

describe('WS /terminals/{id}/ws', () => {
  it('sends a snapshot of the screen first, then live output', async () => {
    const { port, terminal, stack } = await start();
    const c = connect(port, `/terminals/${terminal.id}/ws`, { origin: `http://127.0.0.1:${port}` });
    expect(await c.opened).toBe(true);
    await waitFor(() => c.frames.length > 0);
    expect(c.frames[0]!.toString('utf8').startsWith(sizeSequence(220, 50))).toBe(true);
    let v = await viewStream(c.frames);
    expect([v.cols, v.rows]).toEqual([220, 50]);
    expect(v.lines.join('\n')).toContain('Claude Code v2.1.331 (fake)');
    stack.runtime.paneOf(terminal.id).show('a brand new screen');
    await waitFor(() => text(c.frames).includes('a brand new screen'));
    v = await viewStream(c.frames);
    expect(v.lines[0]).toBe('a brand new screen');
  });

  it('writes typed input to the pane, in order, UTF-8 and control keys included', async () => {
    const { port, terminal, stack } = await start();
    const c = connect(port, `/terminals/${terminal.id}/ws`, { origin: `http://127.0.0.1:${port}` });
    expect(await c.opened).toBe(true);
    for (const data of ['h', 'é ✓', '\r', '\x1b[A', '\x03']) {
      c.ws.send(JSON.stringify({ type: 'input', data }));
    }
    const pane = stack.runtime.paneOf(terminal.id);
    await waitFor(() => pane.typed.length === 5);
    expect(pane.typed).toEqual(['h', 'é ✓', '\r', '\x1b[A', '\x03']);
  });

  it('resizes the pane and sends a new snapshot at the new size', async () => {
    const { port, terminal, stack } = await start();
    const c = connect(port, `/terminals/${terminal.id}/ws`);
    expect(await c.opened).toBe(true);
    c.ws.send(JSON.stringify({ type: 'resize', cols: 100, rows: 30 }));
    const pane = stack.runtime.paneOf(terminal.id);
    await waitFor(() => pane.cols === 100 && pane.rows === 30);
    await waitFor(() => c.frames.some((f) => f.toString('utf8').startsWith(sizeSequence(100, 30))));
    const v = await viewStream(c.frames);
    expect([v.cols, v.rows]).toEqual([100, 30]);
    expect(v.lines.join('\n')).toContain('Claude Code v2.1.331 (fake)');
  });

  it('gives the window its own size back when the last viewer that resized it leaves', async () => {
    const { port, terminal, stack } = await start();
    const pane = stack.runtime.paneOf(terminal.id);
    const before = [pane.cols, pane.rows];
    const a = connect(port, `/terminals/${terminal.id}/ws`);
    const b = connect(port, `/terminals/${terminal.id}/ws`);
    expect(await a.opened).toBe(true);
    expect(await b.opened).toBe(true);
    await waitFor(() => pane.viewers.size === 2);
    a.ws.send(JSON.stringify({ type: 'resize', cols: 90, rows: 20 }));
    await waitFor(() => pane.cols === 90 && pane.rows === 20);
    a.ws.close();
    await waitFor(() => pane.viewers.size === 1);
    // another viewer still looks at it: the shared size stays
    expect([pane.cols, pane.rows]).toEqual([90, 20]);
    b.ws.close();
    await waitFor(() => pane.viewers.size === 0);
    expect([pane.cols, pane.rows]).toEqual(before);
  });

  it('closes with 4004 for a terminal that does not exist', async () => {
    const { port } = await start();
    const c = connect(port, '/terminals/deadbeef/ws', { origin: `http://127.0.0.1:${port}` });
    expect(await c.closed).toMatchObject({ code: 4004 });
    const bad = connect(port, '/terminals/not-an-id/ws');
    expect(await bad.closed).toMatchObject({ code: 4004 });
  });

  it('refuses a foreign Origin and a dev-server origin before the upgrade', async () => {
    const { port, terminal } = await start();
    const evil = connect(port, `/terminals/${terminal.id}/ws`, { origin: 'https://evil.example' });
    expect(await evil.closed).toMatchObject({ status: 403 });
    const dev = connect(port, `/terminals/${terminal.id}/ws`, { origin: 'http://localhost:5173' });
    expect(await dev.closed).toMatchObject({ status: 403 });
  });

  it('refuses API-only origins with 4403', async () => {
    const { port, terminal, stack } = await start({ security: { devOrigins: true } });
    // with CAO_DEV_ORIGINS=1 a local dev server may call the JSON API, but not type into agents
    const dev = connect(port, `/terminals/${terminal.id}/ws`, { origin: 'http://localhost:5173' });
    expect(await dev.closed).toMatchObject({ code: 4403 });
    const host = connect(port, `/terminals/${terminal.id}/ws`, { host: 'evil.example' });
    expect(await host.closed).toMatchObject({ status: 403 });
    expect(dev.frames).toEqual([]);
    expect(stack.runtime.paneOf(terminal.id).viewers.size).toBe(0);
  });

  it('closes with 4003 on a message that is not input or resize', async () => {
    const { port, terminal } = await start();
    const c = connect(port, `/terminals/${terminal.id}/ws`);
    expect(await c.opened).toBe(true);
    c.ws.send('{"type":"exec","cmd":"rm -rf /"}');
    expect(await c.closed).toMatchObject({ code: 4003 });
  });

  it('closes when the terminal goes away, and stops streaming when the client leaves', async () => {
    const { port, terminal, stack } = await start();
    const c = connect(port, `/terminals/${terminal.id}/ws`);
    expect(await c.opened).toBe(true);
    const pane = stack.runtime.paneOf(terminal.id);
    await waitFor(() => pane.viewers.size === 1);
    const other = connect(port, `/terminals/${terminal.id}/ws`);
    expect(await other.opened).toBe(true);
    await waitFor(() => pane.viewers.size === 2);
    other.ws.close();
    await waitFor(() => pane.viewers.size === 1);
    expect((await stack.req('DELETE', '/sessions/ws1')).status).toBe(200);
    expect(await c.closed).toMatchObject({ code: 1000 });
  });

  it('needs a credential: none or a wrong one is refused before the upgrade (401)', async () => {
    const { port, terminal } = await start();
    const none = connect(port, `/terminals/${terminal.id}/ws`, { authorization: '' });
    expect((await none.closed).status).toBe(401);
    const guessed = connect(port, `/terminals/${terminal.id}/ws`, {
      authorization: `Bearer cao_o_${'A'.repeat(43)}`,
    });
    expect((await guessed.closed).status).toBe(401);
  });

  it('a viewer sees the screen but cannot type into it or resize it', async () => {
    const { stack, port, terminal } = await start();
    const c = connect(port, `/terminals/${terminal.id}/ws`, {
      authorization: `Bearer ${stack.tokens.viewer}`,
    });
    expect(await c.opened).toBe(true);
    await waitFor(() => c.frames.length > 0);
    c.ws.send(JSON.stringify({ type: 'input', data: 'rm -rf /\r' }));
    c.ws.send(JSON.stringify({ type: 'resize', rows: 10, cols: 40 }));
    const owner = connect(port, `/terminals/${terminal.id}/ws`);
    expect(await owner.opened).toBe(true);
    owner.ws.send(JSON.stringify({ type: 'input', data: 'x' }));
    await waitFor(() => stack.runtime.paneOf(terminal.id).typed.length > 0);
    expect(stack.runtime.paneOf(terminal.id).typed).toEqual(['x']);
    expect(stack.runtime.paneOf(terminal.id).cols).not.toBe(40);
  });

  it('answers a plain GET with 426', async () => {
    const { terminal, stack } = await start();
    const r = await stack.req('GET', `/terminals/${terminal.id}/ws`);
    expect(r.status).toBe(426);
  });
});

describe('terminal socket rules', () => {
  const o = { host: '127.0.0.1', port: 9889, allowedHosts: [], allowedOrigins: [] };

  it('allows no Origin, the same origin, and origins named in CAO_CORS_ORIGINS only', () => {
    expect(socketOriginAllowed(o, undefined, '127.0.0.1:9889')).toBe(true);
    expect(socketOriginAllowed(o, 'http://127.0.0.1:9889', '127.0.0.1:9889')).toBe(true);
    expect(socketOriginAllowed(o, 'http://localhost:9889', 'localhost:9889')).toBe(true);
    expect(socketOriginAllowed(o, 'http://localhost:9889', '127.0.0.1:9889')).toBe(false);
    expect(socketOriginAllowed(o, 'http://localhost:5173', '127.0.0.1:9889')).toBe(false);
    const named = { ...o, allowedOrigins: ['http://localhost:5173/'] };
    expect(socketOriginAllowed(named, 'http://localhost:5173', '127.0.0.1:9889')).toBe(true);
    expect(socketOriginAllowed({ ...o, allowedOrigins: ['*'] }, 'https://x.y', 'a:1')).toBe(true);
  });

  it('parses the two client messages and nothing else', () => {
    expect(parseClientMessage('{"type":"input","data":"ls\\r"}')).toEqual({
      type: 'input',
      data: 'ls\r',
    });
    expect(parseClientMessage('{"type":"resize","rows":24,"cols":80}')).toEqual({
      type: 'resize',
      rows: 24,
      cols: 80,
    });
    for (const bad of [
      'nope',
      '[]',
      'null',
      '{"type":"input","data":5}',
      '{"type":"resize","rows":0,"cols":80}',
      '{"type":"resize","rows":24,"cols":1e9}',
      '{"type":"resize","rows":2.5,"cols":80}',
    ]) {
      expect(parseClientMessage(bad), bad).toBeUndefined();
    }
  });
});
