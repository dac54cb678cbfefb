/**
 * An API that only its owner can drive, tried by a second real Unix user on the same machine
 * (made by this test, removed after it): it cannot read the owner token, read a screen, type
 * into an agent, open the terminal WebSocket or the event stream, or call cao's MCP tools; it
 * can still read what is open to all (`/health`, `/agents/profiles`). The owner's own CLI keeps
 * working, with the token it reads from CAO_HOME.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/shared.js';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const hasUseradd = (): boolean => {
  try {
    execFileSync('useradd', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const skipReason =
  e2eSkipReason() ||
  (process.getuid?.() !== 0 ? 'making a second Unix user needs root' : '') ||
  (hasUseradd() ? '' : 'useradd is not installed');

const PLAIN = `---
name: plain
description: A profile without MCP servers.
---
You receive messages.
`;

/** What the other user tries; prints one JSON object of outcomes. */
const PROBE = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const [base, id, tokenFile, wsModule] = process.argv.slice(2);
const WebSocket = createRequire(import.meta.url)(wsModule);
const out = {};
try { readFileSync(tokenFile, 'utf8'); out.readToken = 'read'; } catch (e) { out.readToken = e.code; }
const status = async (method, path, body) => {
  const r = await fetch(base + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return r.status;
};
out.output = await status('GET', '/terminals/' + id + '/output');
out.input = await status('POST', '/terminals/' + id + '/input', { message: 'OTHER-USER-TYPED' });
out.messages = await status('POST', '/terminals/' + id + '/messages', { message: 'OTHER-USER-SENT' });
out.sessions = await status('GET', '/sessions');
out.events = await status('GET', '/events');
out.mcp = await status('POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' });
out.guessed = (await fetch(base + '/sessions', { headers: { authorization: 'Bearer cao_o_' + 'A'.repeat(43) } })).status;
out.health = await status('GET', '/health');
out.profiles = await status('GET', '/agents/profiles');
out.ws = await new Promise((resolve) => {
  const ws = new WebSocket(base.replace('http', 'ws') + '/terminals/' + id + '/ws');
  ws.on('open', () => { ws.send(JSON.stringify({ type: 'input', data: 'OTHER-USER-WS' })); resolve('open'); ws.close(); });
  ws.on('unexpected-response', (_q, res) => { resolve(res.statusCode); ws.terminate(); });
  ws.on('error', () => {});
});
console.log(JSON.stringify(out));
`;

describe.skipIf(skipReason !== '')(
  e2eTitle('authentication: a second Unix user cannot drive cao', skipReason),
  () => {
    let s: Stack;
    let user = '';
    let dir = '';
    let terminal = '';

    beforeAll(async () => {
      s = await startStack({
        clis: [],
        env: {
          PATH: `${join(PROJECT_ROOT, 'test', 'fake-agent', 'bin')}:${process.env['PATH'] ?? ''}`,
          IS_SANDBOX: '1',
        },
        prepare: (_home, _url, work) => writeFileSync(join(work, '..', 'plain.md'), PLAIN),
      });
      expect(
        (await s.cao(['install', join(s.root, 'plain.md'), '--provider', 'claude_code'])).code,
      ).toBe(0);
      const r = await s.cao(
        [
          'launch',
          '--agents',
          'plain',
          '--headless',
          '--yolo',
          '--session-name',
          'auth1',
          '--working-directory',
          s.work,
          '--provider',
          'claude_code',
          '--json',
        ],
        { timeoutMs: 120_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      terminal = (JSON.parse(r.stdout) as { id: string }).id;
      user = `caoauth${process.pid % 100000}`;
      execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', user]);
      dir = mkdtempSync(join(tmpdir(), 'cao-auth-'));
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, 'probe.mjs'), PROBE, { mode: 0o644 });
    });

    afterAll(async () => {
      if (user) execFileSync('userdel', [user], { stdio: 'ignore' });
      if (dir) rmSync(dir, { recursive: true, force: true });
      await s?.stop();
    });

    const asOther = (
      args: string[],
      env: Record<string, string> = {},
    ): { code: number; stdout: string; stderr: string } => {
      try {
        const stdout = execFileSync(
          'runuser',
          [
            '-u',
            user,
            '--',
            'env',
            `HOME=${dir}`,
            ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
            process.execPath,
            ...args,
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
        );
        return { code: 0, stdout, stderr: '' };
      } catch (e) {
        const err = e as { status: number; stdout: string; stderr: string };
        return { code: err.status, stdout: err.stdout, stderr: err.stderr };
      }
    };

    it('cannot read the token, a screen, the events or the tools, type into an agent or open its terminal', async () => {
      const r = asOther([
        join(dir, 'probe.mjs'),
        s.apiUrl,
        terminal,
        join(s.caoHome, 'auth', 'owner.token'),
        join(PROJECT_ROOT, 'node_modules', 'ws', 'index.js'),
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out).toEqual({
        readToken: 'EACCES',
        output: 401,
        input: 401,
        messages: 401,
        sessions: 401,
        events: 401,
        mcp: 401,
        guessed: 401,
        health: 200,
        profiles: 200,
        ws: 401,
      });
      // nothing reached the agent
      const screen = s.tmux(['capture-pane', '-p', '-J', '-S', '-', '-t', '=cao-auth1:']);
      expect(screen).not.toMatch(/OTHER-USER/);
    });

    it("the other user's cao says the server needs the owner's token and where it is", () => {
      const r = asOther([join(PROJECT_ROOT, 'dist', 'bin', 'cao.js'), 'session', 'list'], {
        CAO_API_URL: s.apiUrl,
        CAO_HOME_DIR: s.caoHome,
        CAO_NO_AUTOSTART: '1',
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Error: .*owner token.*auth\/owner\.token/m);
    });

    it("the owner's own CLI works with the token it reads", async () => {
      const r = await s.cao(['session', 'list', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('cao-auth1');
    });
  },
);
