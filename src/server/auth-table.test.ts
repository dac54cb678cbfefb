/**
 * Who may call what, for every operation in the OpenAPI document (so a route added later is
 * held to the same rules without anyone remembering to list it): with no credential or a
 * guessed one, as the read-only viewer, and as an agent's terminal token aimed at another
 * session. Only the refusals are asserted for requests that would change something, so no
 * request here changes state; the reads that are allowed are checked to get through.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from '../core/views.js';
import { OPERATIONS } from './openapi.js';

/** Open to all (the skill document curls /agents/profiles without a token). */
const PUBLIC = new Set([
  'GET /health',
  'GET /agents/profiles',
  'GET /agents/providers',
  'GET /openapi.json',
  'GET /',
  'GET /assets/{file}',
  'GET /login',
]);

let s: TestStack;
let mine: TerminalView;
let other: TerminalView;

beforeAll(async () => {
  s = createTestStack();
  const start = async (session: string): Promise<TerminalView> => {
    const r = await s.req<TerminalView>('POST', '/sessions', {
      agent_profile: 'developer',
      provider: 'claude_code',
      session_name: session,
      working_directory: s.work,
    });
    expect(r.status).toBe(201);
    return r.body;
  };
  mine = await start('mine');
  other = await start('theirs');
});
afterAll(async () => {
  await s?.close();
});

/** The operation's path with its parameters pointing at `t` (its terminal and session). */
function pathFor(path: string, t: TerminalView): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    switch (name) {
      case 'id':
        return t.id;
      case 'name':
        return path.startsWith('/sessions') ? t.session_name : 'developer';
      case 'file':
        return 'index.js';
      default:
        return '1';
    }
  });
}

/** Status and, for JSON answers, the error code; streaming bodies are not read. */
async function send(
  method: string,
  path: string,
  authorization: string | undefined,
): Promise<{ status: number; code?: string; detail?: string }> {
  const headers: Record<string, string> = { host: '127.0.0.1:9889' };
  if (authorization !== undefined) headers['authorization'] = authorization;
  if (method !== 'GET') headers['content-type'] = 'application/json';
  const res = await s.app.request(path, {
    method,
    headers,
    body: method === 'GET' ? undefined : '{}',
  });
  if (!(res.headers.get('content-type') ?? '').includes('application/json')) {
    await res.body?.cancel();
    return { status: res.status };
  }
  const body = (await res.json()) as { code?: string; detail?: string };
  return { status: res.status, code: body.code, detail: body.detail };
}

const ops = OPERATIONS.map((op) => ({ ...op, method: op.method.toUpperCase() })).filter(
  (op) => !PUBLIC.has(`${op.method} ${op.path}`),
);
const label = (op: { method: string; path: string }): string => `${op.method} ${op.path}`;

describe('every operation that is not public', () => {
  it('is refused with 401 and where the token is, without a credential or with a guessed one', async () => {
    await s.req('GET', '/health');
    const tokenFile = join(s.paths.home, 'auth', 'owner.token');
    const guesses = [
      undefined,
      'Bearer',
      'Bearer cao_o_' + 'A'.repeat(43),
      'Bearer cao_v_' + 'A'.repeat(43),
      'Bearer cao_t_' + 'A'.repeat(43),
      'Basic b3duZXI6b3duZXI=',
      'Bearer ../../etc/passwd',
    ];
    const wrong: string[] = [];
    for (const op of ops) {
      for (const auth of guesses) {
        const r = await send(op.method, pathFor(op.path, other), auth);
        if (r.status !== 401 || r.code !== 'UNAUTHORIZED' || !r.detail?.includes(tokenFile))
          wrong.push(`${label(op)} with ${auth ?? 'nothing'}: ${r.status} ${r.code ?? ''}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(ops.length).toBeGreaterThan(40);
  });

  it('is refused to the viewer when it would change something; its reads get through', async () => {
    const viewer = `Bearer ${s.tokens.viewer}`;
    const wrong: string[] = [];
    for (const op of ops) {
      const r = await send(op.method, pathFor(op.path, other), viewer);
      // cao's tools act as a terminal, and a viewer is none: /mcp is refused for every method
      if (op.method === 'GET' && op.path !== '/mcp') {
        if (r.status === 401 || r.status === 403 || r.status >= 500)
          wrong.push(`${label(op)}: ${r.status}`);
      } else if (r.status !== 403 || r.code !== 'FORBIDDEN') {
        wrong.push(`${label(op)}: ${r.status} ${r.code ?? ''}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("is refused to an agent's token aimed at another session, except cao's tools as itself", async () => {
    const token = readFileSync(join(s.paths.tmp, `${mine.id}.token`), 'utf8').trim();
    const agent = `Bearer ${token}`;
    const wrong: string[] = [];
    for (const op of ops) {
      const ownTools = op.path === '/mcp' || op.path.startsWith('/agent/');
      if (ownTools) continue;
      const r = await send(op.method, pathFor(op.path, other), agent);
      if (r.status !== 403 || r.code !== 'FORBIDDEN' || !r.detail?.includes(mine.id))
        wrong.push(`${label(op)}: ${r.status} ${r.code ?? ''}`);
    }
    expect(wrong).toEqual([]);
    // and it reads its own session: the screen and the usage of a terminal there
    for (const path of [`/terminals/${mine.id}/output`, `/terminals/${mine.id}/usage`]) {
      expect((await send('GET', path, agent)).status).toBe(200);
    }
  });
});
