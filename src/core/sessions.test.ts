/**
 * When the terminal server dies, cao says so (issue 13 §2): `GET /sessions`, a session's
 * status and `/health` name the lost sessions instead of "no sessions", "not found" and a
 * fixed "ok".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from './views.js';

let s: TestStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

interface Health {
  status: string;
  pid: number;
  cao_home: string;
  components: Record<string, string>;
  lost_sessions: string[];
}

async function twoSessions(): Promise<TestStack> {
  const stack = createTestStack();
  s = stack;
  for (const name of ['a', 'b']) {
    const r = await stack.req<TerminalView>('POST', '/sessions', {
      agent_profile: 'developer',
      provider: 'claude_code',
      session_name: name,
      working_directory: stack.work,
    });
    expect(r.status).toBe(201);
  }
  return stack;
}

describe('the terminal server is gone', () => {
  it('/health checks it for real and names the serving pid and home', async () => {
    const stack = await twoSessions();
    const ok = await stack.req<Health>('GET', '/health');
    expect(ok.body).toMatchObject({
      status: 'ok',
      pid: process.pid,
      cao_home: stack.paths.home,
      components: { cao: 'ok', fake: 'ok' },
      lost_sessions: [],
    });
    stack.runtime.killServer();
    const gone = await stack.req<Health>('GET', '/health');
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({
      status: 'degraded',
      components: { cao: 'ok', fake: 'gone' },
      lost_sessions: ['cao-a', 'cao-b'],
    });
  });

  it('session list and status say the tmux server is gone and which sessions were lost', async () => {
    const stack = await twoSessions();
    stack.runtime.killServer();
    const list = await stack.req<{ detail: string; code: string; lost_sessions: string[] }>(
      'GET',
      '/sessions',
    );
    expect(list.status).toBe(503);
    expect(list.body.code).toBe('UNAVAILABLE');
    expect(list.body.lost_sessions).toEqual(['cao-a', 'cao-b']);
    expect(list.body.detail).toContain('is gone');
    expect(list.body.detail).toContain('Lost: 2 sessions (cao-a, cao-b)');
    const one = await stack.req<{ detail: string }>('GET', '/sessions/cao-a');
    expect(one.status).toBe(503);
    expect(one.body.detail).toContain('is gone');
    // clearing them (cao shutdown --all) brings back an honest empty list
    for (const name of ['cao-a', 'cao-b']) {
      expect((await stack.req('DELETE', `/sessions/${name}`)).status).toBe(200);
    }
    expect((await stack.req('GET', '/sessions')).body).toEqual([]);
    expect((await stack.req<Health>('GET', '/health')).body.status).toBe('ok');
  });

  it('a session killed alone outside cao is "gone", not "not found"', async () => {
    const stack = await twoSessions();
    await stack.runtime.killSession('cao-a');
    const r = await stack.req<{ detail: string }>('GET', '/sessions/cao-a');
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain("Session 'cao-a' is gone: its tmux session ended outside cao");
    expect(
      (await stack.req<{ name: string }[]>('GET', '/sessions')).body.map((x) => x.name),
    ).toEqual(['cao-b']);
    expect((await stack.req<Health>('GET', '/health')).body).toMatchObject({
      status: 'ok',
      lost_sessions: ['cao-a'],
    });
    expect((await stack.req<{ detail: string }>('GET', '/sessions/cao-zz')).body.detail).toContain(
      "Session 'cao-zz' not found",
    );
  });
});
