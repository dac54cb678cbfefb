/**
 * Request and parameter rules (issue 13 §4): bodies and messages over their limits, wrong
 * methods, two Host headers, a message that is not a string or is only control characters.
 */
import { serve, type ServerType } from '@hono/node-server';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import { MAX_MESSAGE_BYTES } from '../core/input.js';
import type { TerminalView } from '../core/views.js';
import { sanitizePaste } from '../runtime/runtime.js';
import { MAX_BODY_BYTES } from './request-rules.js';

let s: TestStack | undefined;
let server: ServerType | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await s?.close();
  s = undefined;
});

async function withTerminal(): Promise<{ stack: TestStack; t: TerminalView }> {
  const stack = createTestStack();
  s = stack;
  const r = await stack.req<TerminalView>('POST', '/sessions', {
    agent_profile: 'developer',
    provider: 'claude_code',
    session_name: 'rules',
    working_directory: stack.work,
  });
  expect(r.status).toBe(201);
  return { stack, t: r.body };
}

describe('messages', () => {
  it('strips C1 controls like C0 ones, keeping text, newlines and tabs', () => {
    expect(sanitizePaste('a\x1b[31mb\u009b31mc\u0085d\u009f\x7f\te\r\nf')).toBe(
      'a[31mb31mcd\te\nf',
    );
    expect(sanitizePaste('é ü — ✓')).toBe('é ü — ✓');
  });

  it('a message empty once control characters are stripped gets 400 and types nothing', async () => {
    const { stack, t } = await withTerminal();
    const pane = stack.runtime.paneOf(t.id);
    const pastedBefore = pane.pasted.length;
    const keysBefore = pane.keysPressed.length;
    for (const message of ['\x1b\x01\x02', '\u009b\u0085 \n', '\x1b[', '']) {
      const r = await stack.req<{ detail: string; code: string }>(
        'POST',
        `/terminals/${t.id}/input`,
        { message },
      );
      expect(r.status, JSON.stringify(message)).toBe(message === '\x1b[' ? 200 : 400);
      if (r.status === 400) expect(r.body.detail).toMatch(/The message is empty/);
    }
    // only '[' (what is left of '\x1b[') was typed; the rest never reached the pane
    expect(pane.pasted.slice(pastedBefore)).toEqual(['[']);
    expect(pane.keysPressed.slice(keysBefore).filter((k) => k !== 'Enter')).toEqual([]);
    const queued = await stack.req<{ detail: string }>(
      'POST',
      `/terminals/${t.id}/inbox/messages`,
      {
        sender_id: 'tester',
        message: '\u0090\u009c',
      },
    );
    expect(queued.status).toBe(400);
    expect(await stack.store.listMessages({ receiverId: t.id })).toEqual([]);
  });

  it('a message that is not a string gets 422', async () => {
    const { stack, t } = await withTerminal();
    for (const message of [5, true, { text: 'x' }, ['x']]) {
      const r = await stack.req<{ detail: string }>('POST', `/terminals/${t.id}/input`, {
        message,
      });
      expect(r.status, JSON.stringify(message)).toBe(422);
      expect(r.body.detail).toBe("Parameter 'message' must be a string.");
      const q = await stack.req('POST', `/terminals/${t.id}/inbox/messages`, {
        sender_id: 'x',
        message,
      });
      expect(q.status).toBe(422);
    }
  });

  it(`a message over ${MAX_MESSAGE_BYTES} bytes gets 413`, async () => {
    const { stack, t } = await withTerminal();
    const r = await stack.req<{ detail: string; code: string }>(
      'POST',
      `/terminals/${t.id}/inbox/messages`,
      { sender_id: 'tester', message: 'x'.repeat(MAX_MESSAGE_BYTES + 1) },
    );
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('TOO_LARGE');
    const ok = await stack.req('POST', `/terminals/${t.id}/inbox/messages`, {
      sender_id: 'tester',
      message: 'x'.repeat(MAX_MESSAGE_BYTES),
    });
    expect(ok.status).toBe(200);
  });
});

describe('requests', () => {
  it(`a body over ${MAX_BODY_BYTES} bytes gets 413, with or without a Content-Length`, async () => {
    s = createTestStack();
    const big = JSON.stringify({ agent_profile: 'developer', pad: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await s.app.request('/sessions', {
      method: 'POST',
      headers: {
        host: '127.0.0.1:9889',
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(big)),
      },
      body: big,
    });
    expect(declared.status).toBe(413);
    const streamed = await s.app.request('/sessions', {
      method: 'POST',
      headers: { host: '127.0.0.1:9889', 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { code: string }).code).toBe('TOO_LARGE');
    expect(s.runtime.panes.size).toBe(0);
  });

  it('a wrong method on a served path gets 405 with Allow; an unknown path stays 404', async () => {
    s = createTestStack();
    const put = await s.app.request('/sessions', {
      method: 'PUT',
      headers: { host: '127.0.0.1:9889', authorization: `Bearer ${s.tokens.owner}` },
    });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toMatch(/GET/);
    expect(put.headers.get('allow')).toMatch(/POST/);
    expect(((await put.json()) as { code: string }).code).toBe('METHOD_NOT_ALLOWED');
    expect((await s.req('DELETE', '/health')).status).toBe(405);
    expect((await s.req('GET', '/terminals/abcd1234/input')).status).toBe(405);
    expect((await s.req('GET', '/no/such/path')).status).toBe(404);
    // a route's own "not found" is not a wrong method
    expect((await s.req('GET', '/terminals/abcd1234')).status).toBe(404);
  });

  it('two Host headers get 400 (in-process and over a real socket)', async () => {
    s = createTestStack();
    const r = await s.app.request('/health', {
      headers: [
        ['host', '127.0.0.1:9889'],
        ['host', 'evil.example'],
      ],
    });
    expect(r.status).toBe(400);
    const srv = serve({ fetch: s.app.fetch, hostname: '127.0.0.1', port: 0 });
    server = srv;
    await new Promise<void>((resolve) => srv.once('listening', () => resolve()));
    const port = (srv.address() as AddressInfo).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.write(
          `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
        );
      });
      let out = '';
      sock.on('data', (d: Buffer) => (out += d.toString()));
      sock.on('end', () => resolve(out));
      sock.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
  });
});
