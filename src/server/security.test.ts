/**
 * A web page must not drive cao, and nobody may hand an agent a variable that makes it load
 * code (issue 13: a page on localhost:3000 set NODE_OPTIONS=--import=data:… through env_vars
 * and ran its own code in the agent's process).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from '../core/views.js';

let s: TestStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const launch = (stack: TestStack, extra: Record<string, unknown>, headers = {}) =>
  stack.req<TerminalView & { detail?: string }>(
    'POST',
    '/sessions',
    {
      agent_profile: 'developer',
      provider: 'claude_code',
      working_directory: stack.work,
      ...extra,
    },
    headers,
  );

describe('a page on a dev-server origin', () => {
  for (const origin of [
    'http://localhost:3000',
    'http://127.0.0.1:5173',
    'http://localhost:5174',
  ]) {
    it(`cannot create a session or set a loader variable (${origin})`, async () => {
      s = createTestStack();
      const r = await launch(
        s,
        { session_name: 'page', env_vars: { NODE_OPTIONS: '--import=data:text/javascript,1' } },
        { origin },
      );
      expect(r.status).toBe(403);
      // the CORS preflight a browser sends first is refused too
      const pre = await s.app.request('/sessions', {
        method: 'OPTIONS',
        headers: {
          host: '127.0.0.1:9889',
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(pre.status).toBe(403);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      expect(s.runtime.panes.size).toBe(0);
      expect(await s.store.listSessions()).toEqual([]);
    });
  }

  it('is accepted for the JSON API only with CAO_DEV_ORIGINS=1, and loader variables stay refused', async () => {
    s = createTestStack({ security: { devOrigins: true } });
    const origin = 'http://localhost:5173';
    const refused = await launch(
      s,
      { session_name: 'dev1', env_vars: { NODE_OPTIONS: '--import=data:text/javascript,1' } },
      { origin },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/may not set NODE_OPTIONS/);
    expect(s.runtime.panes.size).toBe(0);
    const ok = await launch(s, { session_name: 'dev2' }, { origin });
    expect(ok.status).toBe(201);
  });
});

describe('env_vars', () => {
  it('refuses the loader variables with a clear error and starts nothing', async () => {
    s = createTestStack();
    for (const env of [
      { NODE_OPTIONS: '--import=data:text/javascript,process.exit(7)' },
      { LD_PRELOAD: '/tmp/x.so' },
      { LD_LIBRARY_PATH: '/tmp' },
      { BASH_ENV: '/tmp/x.sh' },
      { ENV: '/tmp/x.sh' },
      { PYTHONSTARTUP: '/tmp/x.py' },
    ]) {
      const r = await launch(s, { session_name: 'loader', env_vars: { IS_SANDBOX: '1', ...env } });
      expect(r.status, JSON.stringify(env)).toBe(400);
      expect(r.body.detail).toContain(`may not set ${Object.keys(env)[0]}`);
      expect(r.body.detail).toContain('allow_loader_vars');
    }
    expect(s.runtime.panes.size).toBe(0);
    expect(await s.store.listSessions()).toEqual([]);
  });

  it('passes IS_SANDBOX and API keys on to the agent', async () => {
    s = createTestStack();
    const r = await launch(s, {
      session_name: 'keys',
      env_vars: { IS_SANDBOX: '1', ANTHROPIC_API_KEY: 'sk-ant-test' },
    });
    expect(r.status).toBe(201);
    const env = s.runtime.paneOf(r.body.id).spec.env;
    expect(env['IS_SANDBOX']).toBe('1');
    expect(env['ANTHROPIC_API_KEY']).toBe('sk-ant-test');
  });

  it('lets through a variable the owner allowed in settings.json', async () => {
    s = createTestStack();
    writeFileSync(
      s.paths.settings,
      JSON.stringify({ env: { allow_loader_vars: ['LD_LIBRARY_PATH'] } }),
    );
    const r = await launch(s, { session_name: 'owner', env_vars: { LD_LIBRARY_PATH: '/opt/lib' } });
    expect(r.status).toBe(201);
    expect(s.runtime.paneOf(r.body.id).spec.env['LD_LIBRARY_PATH']).toBe('/opt/lib');
  });

  it("refuses a worker whose session's stored environment carries one", async () => {
    s = createTestStack();
    const conductor = await launch(s, { session_name: 'old' });
    expect(conductor.status).toBe(201);
    // a session row written before the policy existed
    s.store.db
      .prepare('UPDATE sessions SET env = ? WHERE name = ?')
      .run(JSON.stringify({ NODE_OPTIONS: '--require=/tmp/x.js' }), 'cao-old');
    const worker = await s.req<{ detail: string }>('POST', '/sessions/cao-old/terminals', {
      agent_profile: 'developer',
      provider: 'claude_code',
    });
    expect(worker.status).toBe(400);
    expect(worker.body.detail).toMatch(/may not set NODE_OPTIONS/);
    expect(s.runtime.panes.size).toBe(1);
  });

  it('cao install refuses them for CAO_HOME/.env', async () => {
    s = createTestStack();
    const r = await s.req<{ detail: string }>('POST', '/agents/profiles/install', {
      source: 'developer',
      env_vars: { NODE_OPTIONS: '--import=data:,1', MY_KEY: 'v' },
    });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/may not set NODE_OPTIONS/);
    expect(existsSync(s.paths.envFile) ? readFileSync(s.paths.envFile, 'utf8') : '').toBe('');
  });
});
