/**
 * The HTTP API over the real core, with the fake runtime and a fake Claude Code screen.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { testdataOf } from '../../test/support/providers.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from '../core/views.js';
import type { StampedEvent } from '../core/events.js';
import { OPERATIONS } from './openapi.js';

let s: TestStack;
afterEach(async () => {
  await s?.close();
});

const launch = (
  name = 't1',
  extra = '',
): Promise<{ status: number; body: TerminalView & { detail?: string } }> =>
  s.req(
    'POST',
    `/sessions?agent_profile=developer&session_name=${name}&working_directory=${encodeURIComponent(s.work)}${extra.includes('provider=') ? '' : '&provider=claude_code'}${extra}`,
  );

async function nothingLeft(): Promise<void> {
  expect(await s.runtime.listSessions()).toEqual([]);
  expect(await s.store.listTerminals()).toEqual([]);
  expect(await s.store.listSessions()).toEqual([]);
  expect(readdirSync(s.paths.tmp)).toEqual([]);
}

describe('sessions', () => {
  it('creates a session whose conductor is ready, and lists it', async () => {
    s = createTestStack();
    const r = await launch();
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      session_name: 'cao-t1',
      agent_profile: 'developer',
      provider: 'claude_code',
      status: 'idle',
    });
    expect(r.body.id).toMatch(/^[a-f0-9]{8}$/);
    const list = await s.req<{ name: string; status: string }[]>('GET', '/sessions');
    expect(list.body.map((x) => x.name)).toEqual(['cao-t1']);
    const detail = await s.req<{ terminals: TerminalView[] }>('GET', '/sessions/t1');
    expect(detail.body.terminals.map((t) => t.id)).toEqual([r.body.id]);
  });

  it('accepts parameters in a JSON body as well as the query', async () => {
    s = createTestStack();
    const r = await s.req<TerminalView>('POST', '/sessions', {
      agent_profile: 'reviewer',
      provider: 'claude_code',
      session_name: 'cao-j1',
      working_directory: s.work,
      env_vars: { FOO: 'bar' },
    });
    expect(r.status).toBe(201);
    expect(r.body.session_name).toBe('cao-j1');
    const pane = s.runtime.paneOf(r.body.id);
    expect(pane.spec.env['FOO']).toBe('bar');
    expect(pane.spec.env['CAO_TERMINAL_ID']).toBe(r.body.id);
  });

  it('refuses a name that is taken', async () => {
    s = createTestStack();
    await launch();
    const r = await launch();
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(/already exists/);
  });

  it('answers the trust dialog on the way up', async () => {
    s = createTestStack({ program: () => fakeClaude({ trustDialog: true }) });
    const r = await launch();
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('idle');
  });

  it('shuts a session down completely', async () => {
    s = createTestStack();
    await launch();
    const r = await s.req('DELETE', '/sessions/cao-t1');
    expect(r).toMatchObject({ status: 200, body: { success: true, deleted: ['cao-t1'] } });
    await nothingLeft();
    expect((await s.req('DELETE', '/sessions/cao-t1')).status).toBe(404);
  });
});

describe('bad input leaves nothing behind', () => {
  it('a working directory that does not exist: 400 naming the path', async () => {
    s = createTestStack();
    const r = await s.req<{ detail: string }>(
      'POST',
      '/sessions?agent_profile=developer&working_directory=/no/such/dir',
    );
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain("'/no/such/dir' does not exist");
    await nothingLeft();
  });

  it('an unknown profile: 404 listing the available ones', async () => {
    s = createTestStack();
    const r = await s.req<{ detail: string }>(
      'POST',
      `/sessions?agent_profile=nope&working_directory=${s.work}`,
    );
    expect(r.status).toBe(404);
    expect(r.body.detail).toMatch(/Unknown agent profile 'nope'.*developer/);
    await nothingLeft();
  });

  it('an unknown provider: 400 listing the known ones', async () => {
    s = createTestStack();
    const r = await launch('t1', '&provider=nope');
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/Unknown provider 'nope'. Known providers: .*claude_code/);
    await nothingLeft();
  });

  it('a CLI that is not installed: 400 saying how to install it', async () => {
    s = createTestStack({ installed: () => false });
    const r = await launch();
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(
      /Claude Code is not installed.*npm install -g @anthropic-ai\/claude-code/,
    );
    await nothingLeft();
  });

  it('a CLI that is not installed: the error names the installed ones', async () => {
    s = createTestStack({ installed: (b) => b === 'codex' || b === 'gemini' });
    const r = await launch();
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(
      /Claude Code is not installed.* Installed here: codex, gemini_cli\.$/,
    );
    await s.close();
    s = createTestStack({ installed: () => false });
    const none = await launch();
    expect(none.body.detail).toMatch(/No agent CLI cao knows is installed here\.$/);
    await nothingLeft();
  });

  it('a name with odd characters: 400', async () => {
    s = createTestStack();
    const r = await launch('a;b$(x)');
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/Invalid session name/);
    await nothingLeft();
  });

  it('an agent that crashes during start-up: 502 with what it printed', async () => {
    s = createTestStack({ program: () => fakeClaude({ crashOnStart: 1 }) });
    const r = await launch();
    expect(r.status).toBe(502);
    expect(r.body.detail).toMatch(/failed to start.*status 1/);
    await nothingLeft();
  });

  it('an agent that never shows its prompt: 504', async () => {
    s = createTestStack({
      program: () => fakeClaude({ hang: true }),
      timing: { initTimeoutMs: 300 },
    });
    const r = await launch();
    expect(r.status).toBe(504);
    expect(r.body.detail).toMatch(/did not show its input prompt within/);
    await nothingLeft();
  });

  it('yolo as root without IS_SANDBOX: 400 saying what to set', async () => {
    s = createTestStack({ isRoot: true });
    const r = await launch('t1', '&allowed_tools=*');
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/IS_SANDBOX=1/);
    await nothingLeft();
  });
});

describe('terminals', () => {
  it("removes a terminal's files from tmp/ and from the root-only directory, and no one else's", async () => {
    const rootOnly = mkdtempSync(join(tmpdir(), 'cao-root-only-'));
    s = createTestStack({ isRoot: true, rootOnlyDir: rootOnly, env: { IS_SANDBOX: '1' } });
    const t = (await launch()).body;
    writeFileSync(join(rootOnly, `${t.id}.settings.json`), '{}');
    writeFileSync(join(rootOnly, 'abcdef01.settings.json'), '{}');
    writeFileSync(join(s.paths.tmp, `${t.id}.system.md`), 'x');
    expect((await s.req('DELETE', `/terminals/${t.id}`)).status).toBe(200);
    expect(readdirSync(rootOnly)).toEqual(['abcdef01.settings.json']);
    expect(readdirSync(s.paths.tmp).filter((f) => f.startsWith(`${t.id}.`))).toEqual([]);
    rmSync(rootOnly, { recursive: true, force: true });
  });

  it('takes input, reports status changes on the bus, and extracts the last answer', async () => {
    s = createTestStack({
      program: () => fakeClaude({ turnMs: 50, answer: (m) => `Answer to ${m}` }),
    });
    const t = (await launch()).body;
    const events: StampedEvent[] = [];
    s.core.subscribe((e) => events.push(e));
    const r = await s.req<{ success: boolean; status: string }>(
      'POST',
      `/terminals/${t.id}/input?message=hello`,
    );
    expect(r.body).toMatchObject({ success: true, status: 'processing' });
    await s.deps.tracker.waitFor(t.id, (d) => d.status === 'completed', 2000);
    const statuses = events
      .filter((e) => e.type === 'terminal.status')
      .map((e) => (e as { status: string }).status);
    expect(statuses).toContain('completed');
    const out = await s.req<{ output: string; mode: string }>(
      'GET',
      `/terminals/${t.id}/output?mode=last`,
    );
    expect(out.body).toEqual({
      output: 'Answer to hello',
      mode: 'last',
      source: 'screen',
      found: true,
    });
    expect((await s.req<TerminalView>('GET', `/terminals/${t.id}`)).body.status).toBe('completed');
  });

  it('gives a provider that reads colours the styled screen for the last answer', async () => {
    // OpenCode's real screen: a quoted spinner line is answer text by its colour alone
    const styled = testdataOf('opencode_cli')(
      'completed/opencode-1.18.33-quoted-markers-220x50.ansi',
    );
    s = createTestStack({ program: () => ({ start: (pane) => pane.show(styled) }) });
    const t = (await launch('t1', '&provider=opencode_cli')).body;
    const last = await s.req<{ output: string }>('GET', `/terminals/${t.id}/output?mode=last`);
    expect(last.body.output).toMatch(/^Here is what the terminal shows, quoted:\n\n⠋ Thinking/u);
    expect(last.body.output).toMatch(/QUOTED-END$/u);
    // the whole screen is still plain text
    const full = await s.req<{ output: string }>('GET', `/terminals/${t.id}/output?mode=full`);
    expect(full.body.output).toContain('⠼ Working (esc to cancel, 2s)');
    expect(full.body.output).not.toContain('\x1b[');
  });

  it('publishes the start and end of a turn that is over before the screen is read', async () => {
    s = createTestStack({ program: () => fakeClaude({ turnMs: 0 }) });
    const t = (await launch()).body;
    const statuses: string[] = [];
    s.core.subscribe((e) => {
      if (e.type === 'terminal.status') statuses.push(e.status);
    });
    for (const m of ['one', 'two']) {
      const r = await s.req<{ status: string }>('POST', `/terminals/${t.id}/input`, { message: m });
      expect(r.body.status).toBe('completed');
    }
    expect(statuses).toEqual(['processing', 'completed', 'processing', 'completed']);
  });

  it('presses Enter again when the first one was swallowed', async () => {
    s = createTestStack({ program: () => fakeClaude({ swallowEnters: 1 }) });
    const t = (await launch()).body;
    const r = await s.req<{ enters: number }>('POST', `/terminals/${t.id}/input`, {
      message: 'hi',
    });
    expect(r.body.enters).toBe(2);
  });

  it('fails loudly when the message never leaves the input box', async () => {
    s = createTestStack({ program: () => fakeClaude({ swallowEnters: 10 }) });
    const t = (await launch()).body;
    const r = await s.req<{ detail: string }>('POST', `/terminals/${t.id}/input?message=hi`);
    expect(r.status).toBe(502);
    expect(r.body.detail).toMatch(/did not take it after 3 Enter presses/);
  });

  it('answers a dialog that comes up just after the prompt', async () => {
    s = createTestStack({
      program: () => fakeClaude({ lateTrustDialogMs: 5 }),
      timing: { readySettleMs: 60 },
    });
    const t = (await launch()).body;
    expect(t.status).toBe('idle');
    const r = await s.req<{ echoed: boolean }>('POST', `/terminals/${t.id}/input`, {
      message: 'hello there',
    });
    expect(r.body.echoed).toBe(true);
  });

  it('does not report success when a dialog took the keys', async () => {
    s = createTestStack({ program: () => fakeClaude({ lateTrustDialogMs: 80 }) });
    const t = (await launch()).body;
    await new Promise((r) => setTimeout(r, 150));
    const r = await s.req<{ detail: string }>('POST', `/terminals/${t.id}/input`, {
      message: 'the lost message',
    });
    expect(r.status).toBe(502);
    expect(r.body.detail).toMatch(/never showed on Claude Code's screen.*not delivered/);
    // the Enter answered the dialog; the next send goes through
    const again = await s.req<{ echoed: boolean }>('POST', `/terminals/${t.id}/input`, {
      message: 'the lost message',
    });
    expect(again.status).toBe(200);
    expect(again.body.echoed).toBe(true);
    const screen = [...s.runtime.panes.values()][0]?.screen ?? '';
    expect(screen.match(/❯ the lost message/g)).toHaveLength(1);
  });

  it('explains its status', async () => {
    s = createTestStack();
    const t = (await launch()).body;
    const d = await s.req<{ status: string; rule: string; evidence: string[] }>(
      'GET',
      `/terminals/${t.id}/detect`,
    );
    expect(d.body).toMatchObject({ status: 'idle', rule: 'empty-prompt' });
  });

  it('validates ids and keys', async () => {
    s = createTestStack();
    const t = (await launch()).body;
    expect((await s.req('GET', '/terminals/XYZ')).status).toBe(422);
    expect((await s.req('GET', '/terminals/00000000')).status).toBe(404);
    expect((await s.req('POST', `/terminals/${t.id}/key?key=rm%20-rf`)).status).toBe(400);
    expect((await s.req('POST', `/terminals/${t.id}/key?key=C-c`)).status).toBe(200);
    expect((await s.req('POST', `/terminals/${t.id}/input`)).status).toBe(422);
  });

  it('deletes a terminal and keeps its scrollback', async () => {
    s = createTestStack();
    const t = (await launch()).body;
    expect((await s.req('DELETE', `/terminals/${t.id}`)).status).toBe(200);
    expect(readdirSync(s.paths.terminalLogs)).toEqual([`${t.id}.scrollback`]);
    expect((await s.req('GET', `/terminals/${t.id}`)).status).toBe(404);
  });
});

describe('security', () => {
  it('rejects a foreign Host header (DNS rebinding)', async () => {
    s = createTestStack();
    const r = await s.req('GET', '/health', undefined, { host: 'evil.example:9889' });
    expect(r.status).toBe(403);
  });

  it('rejects a foreign Origin, allows same-origin and no Origin', async () => {
    s = createTestStack();
    expect(
      (await s.req('GET', '/sessions', undefined, { origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await s.req('POST', '/sessions', {}, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    expect(
      (await s.req('GET', '/sessions', undefined, { origin: 'http://127.0.0.1:9889' })).status,
    ).toBe(200);
    expect((await s.req('GET', '/sessions')).status).toBe(200);
  });
});

describe('OpenAPI', () => {
  it('documents exactly the routes the app serves', async () => {
    s = createTestStack();
    const served = new Set(
      s.app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(OPERATIONS.map((o) => `${o.method} ${o.path}`));
    expect([...served].sort()).toEqual([...documented].sort());
    const doc = await s.req<{ openapi: string; paths: Record<string, unknown> }>(
      'GET',
      '/openapi.json',
    );
    expect(doc.body.openapi).toBe('3.1.0');
  });
});
