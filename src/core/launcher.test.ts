/**
 * Starting a terminal (launcher.ts), called directly on the wired core's dependencies (the
 * in-process stack: fake runtime, fake Claude Code TUI, in-memory store).
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { programsByProfile, type ProgramsByProfile } from '../../test/support/programs.js';
import {
  createTestStack,
  type TestStack,
  type TestStackOptions,
} from '../../test/support/stack.js';
import { CaoError } from '../lib/errors.js';
import { hashToken } from '../lib/secrets.js';
import { DEFAULT_PROVIDER, getProvider } from '../providers/index.js';
import type { FakeProgram } from '../runtime/fake-runtime.js';
import type { TerminalRecord } from '../store/store.js';
import type { StampedEvent } from './events.js';
import {
  initTimeout,
  markReady,
  mcpPending,
  prepareTerminal,
  readySettle,
  startTerminal,
  type CreateTerminalOptions,
} from './launcher.js';

let s: TestStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** A stack whose `reviewer` terminals run `reviewer` and every other terminal `others`. */
async function stack(o: TestStackOptions & ProgramsByProfile = {}): Promise<TestStack> {
  s = createTestStack({ program: programsByProfile(o), ...o });
  await s.started;
  return s;
}

const request = (
  st: TestStack,
  over: Partial<CreateTerminalOptions> = {},
): CreateTerminalOptions => ({
  session: 'cao-l',
  profileName: 'developer',
  provider: 'claude_code',
  workingDirectory: st.work,
  sessionEnv: {},
  ...over,
});

/** Starts a conductor (session `cao-l`) and returns its record. */
async function conductor(st: TestStack): Promise<TerminalRecord> {
  return startTerminal(st.deps, await prepareTerminal(st.deps, request(st)), { newSession: true });
}

async function nothingExists(st: TestStack): Promise<void> {
  expect(st.runtime.panes.size).toBe(0);
  expect(await st.runtime.listSessions()).toEqual([]);
  expect(await st.store.listTerminals()).toEqual([]);
  expect(readdirSync(st.paths.tmp)).toEqual([]);
}

function recording(st: TestStack): StampedEvent[] {
  const events: StampedEvent[] = [];
  st.core.subscribe((e) => events.push(e));
  return events;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<CaoError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof CaoError)) throw new Error(`expected a CaoError, got ${String(e)}`);
  return e;
}

describe('prepareTerminal', () => {
  it('builds the launch and its files, and creates nothing', async () => {
    const st = await stack();
    const p = await prepareTerminal(
      st.deps,
      request(st, { model: 'sonnet', callerId: 'cccc0003' }),
    );
    expect(p.record).toMatchObject({
      session: 'cao-l',
      provider: 'claude_code',
      agentProfile: 'developer',
      workingDirectory: realpathSync(st.work),
      callerId: 'cccc0003',
      model: 'sonnet',
      status: 'unknown',
      // the built-in developer profile has cao-mcp-server: input waits until the CLI lists it
      mcpExpected: true,
      mcpReadyAt: null,
      readyAt: null,
    });
    expect(p.spec).toMatchObject({
      session: 'cao-l',
      terminalId: p.record.id,
      cwd: realpathSync(st.work),
    });
    expect(p.spec.argv.slice(0, 1)).toEqual(['claude']);
    expect(p.spec.argv).toContain('sonnet');
    expect(p.spec.env).toMatchObject({
      CAO_TERMINAL_ID: p.record.id,
      CAO_API_URL: 'http://127.0.0.1:9889',
      CAO_TERMINAL_TOKEN_FILE: join(st.paths.tmp, `${p.record.id}.token`),
    });
    expect(p.files.map((f) => f.path).sort()).toEqual(
      [`${p.record.id}.mcp.json`, `${p.record.id}.prompt`, `${p.record.id}.token`].map((f) =>
        join(st.paths.tmp, f),
      ),
    );
    // the terminal's token: only in its owner-only file, kept by cao as a hash
    const token = p.files.find((f) => f.path.endsWith('.token'));
    expect(token?.mode).toBe(0o600);
    expect(token?.content.trim()).toMatch(/^cao_t_[A-Za-z0-9_-]{43}$/);
    expect(p.record.tokenHash).toBe(hashToken(token!.content.trim()));
    expect(JSON.stringify(p.spec.argv)).not.toContain(token!.content.trim());
    expect(JSON.stringify(p.spec.env)).not.toContain(token!.content.trim());
    // cao's tools: cao-server's /mcp over HTTP, the token in the 0600 config file's headers
    const mcpFile = p.files.find((f) => f.path.endsWith('.mcp.json'));
    expect(mcpFile?.mode ?? 0o600).toBe(0o600);
    expect(JSON.parse(mcpFile?.content ?? '')).toMatchObject({
      mcpServers: {
        'cao-mcp-server': {
          type: 'http',
          url: 'http://127.0.0.1:9889/mcp',
          headers: { Authorization: `Bearer ${token!.content.trim()}` },
        },
      },
    });
    await nothingExists(st);
  });

  it('gives the stdio bridge instead with CAO_MCP_TRANSPORT=stdio, told which terminal it serves', async () => {
    const st = await stack({ mcpTransport: 'stdio' });
    const p = await prepareTerminal(st.deps, request(st));
    expect(p.record.mcpExpected).toBe(true);
    const mcp = p.files.find((f) => f.path.endsWith('.mcp.json'))?.content ?? '';
    expect(JSON.parse(mcp)).toMatchObject({
      mcpServers: {
        'cao-mcp-server': {
          command: '/usr/bin/node',
          args: ['/cao/dist/bin/cao-mcp-server.js'],
          env: {
            CAO_TERMINAL_ID: p.record.id,
            CAO_API_URL: 'http://127.0.0.1:9889',
            CAO_TERMINAL_TOKEN_FILE: join(st.paths.tmp, `${p.record.id}.token`),
          },
        },
      },
    });
    await nothingExists(st);
  });

  it('hands Codex the token through the environment variable it reads, never in argv', async () => {
    const st = await stack();
    const p = await prepareTerminal(st.deps, request(st, { provider: 'codex' }));
    const token = p.files.find((f) => f.path.endsWith('.token'))?.content.trim() ?? '';
    expect(p.spec.env['CAO_TERMINAL_TOKEN']).toBe(token);
    expect(JSON.stringify(p.spec.argv)).not.toContain(token);
    expect(p.spec.argv).toContain(
      'mcp_servers.cao-mcp-server={url = "http://127.0.0.1:9889/mcp", bearer_token_env_var = "CAO_TERMINAL_TOKEN", tool_timeout_sec = 600.0}',
    );
    await nothingExists(st);
  });

  it("gives Kimi cao's /mcp through a stand-in home, the token only in its environment", async () => {
    const st = await stack();
    const p = await prepareTerminal(st.deps, request(st, { provider: 'kimi_cli' }));
    const token = p.files.find((f) => f.path.endsWith('.token'))?.content.trim() ?? '';
    expect(p.record.mcpExpected).toBe(true);
    expect(p.spec.env['CAO_TERMINAL_TOKEN']).toBe(token);
    expect(p.spec.env['KIMI_CODE_HOME']).toBe(join(st.paths.tmp, 'kimi-code-home'));
    expect(JSON.stringify(p.spec.argv)).not.toContain(token);
    const mcp = p.home?.replace['mcp.json']?.(undefined) ?? '';
    expect(mcp).not.toContain(token);
    expect(JSON.parse(mcp)).toMatchObject({
      mcpServers: {
        'cao-mcp-server': {
          url: 'http://127.0.0.1:9889/mcp',
          bearerTokenEnvVar: 'CAO_TERMINAL_TOKEN',
        },
      },
    });
    await nothingExists(st);
  });

  it("gives Kimi on a remote host a stand-in home there: that user's Kimi home, cao's tools over its forward", async () => {
    const st = await stack();
    const local = await st.deps.placement(undefined);
    const far = {
      ...local,
      host: 'box',
      home: '/home/far',
      tmpDir: '/home/far/.cao/tmp',
      apiUrl: 'http://127.0.0.1:40123',
    };
    const deps = { ...st.deps, placement: async () => far };
    const p = await prepareTerminal(deps, request(st, { provider: 'kimi_cli' }));
    expect(p.record.mcpExpected).toBe(true);
    expect(p.home?.source).toBe('/home/far/.kimi-code');
    expect(p.home?.dir).toBe('/home/far/.cao/tmp/kimi-code-home');
    expect(p.spec.env['KIMI_CODE_HOME']).toBe('/home/far/.cao/tmp/kimi-code-home');
    const mcp = JSON.parse(p.home?.replace['mcp.json']?.(undefined) ?? '{}') as unknown;
    expect(mcp).toMatchObject({
      mcpServers: { 'cao-mcp-server': { url: 'http://127.0.0.1:40123/mcp' } },
    });
    await nothingExists(st);
  });

  it("takes the request's provider, else the profile's, else the caller's, else the default", async () => {
    const st = await stack();
    mkdirSync(st.paths.agentStore, { recursive: true });
    writeFileSync(
      join(st.paths.agentStore, 'gemini_dev.md'),
      '---\nname: gemini_dev\ndescription: d\nprovider: gemini_cli\n---\nYou write code.\n',
    );
    const of = async (over: Partial<CreateTerminalOptions>): Promise<string> =>
      (await prepareTerminal(st.deps, request(st, { provider: undefined, ...over }))).record
        .provider;
    expect(
      await of({ provider: 'codex', profileName: 'gemini_dev', fallbackProvider: 'qwen_cli' }),
    ).toBe('codex');
    expect(await of({ profileName: 'gemini_dev', fallbackProvider: 'qwen_cli' })).toBe(
      'gemini_cli',
    );
    expect(await of({ fallbackProvider: 'qwen_cli' })).toBe('qwen_cli');
    expect(await of({})).toBe(DEFAULT_PROVIDER);
  });

  const refusals: [string, TestStackOptions, Partial<CreateTerminalOptions>, string, RegExp][] = [
    [
      'an unknown profile',
      {},
      { profileName: 'nobody' },
      'NOT_FOUND',
      /Unknown agent profile 'nobody'/,
    ],
    ['an unknown provider', {}, { provider: 'nope' }, 'INVALID_INPUT', /Unknown provider 'nope'/],
    [
      'a missing directory',
      {},
      { workingDirectory: '/no/such/dir' },
      'INVALID_INPUT',
      /does not exist/,
    ],
    ['a system directory', {}, { workingDirectory: '/etc' }, 'INVALID_INPUT', /system directory/],
    [
      'a relative directory',
      {},
      { workingDirectory: 'work' },
      'INVALID_INPUT',
      /not an absolute path/,
    ],
    ['an odd model name', {}, { model: 'x; rm -rf ~' }, 'INVALID_INPUT', /Invalid model name/],
    [
      'a CLI missing from the PATH',
      { installed: () => false },
      {},
      'NOT_INSTALLED',
      /Claude Code is not installed: 'claude' was not found.*npm install -g @anthropic-ai\/claude-code/,
    ],
    [
      'a combination the CLI would refuse (skip prompts as root without IS_SANDBOX)',
      { isRoot: true },
      {},
      'INVALID_INPUT',
      /IS_SANDBOX=1/,
    ],
  ];
  it.each(refusals)(
    'refuses %s, saying what to do, and creates nothing',
    async (_, o, over, code, re) => {
      const st = await stack(o);
      let thrown: unknown;
      try {
        await prepareTerminal(st.deps, request(st, over));
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(CaoError);
      expect(thrown).toMatchObject({ code, message: expect.stringMatching(re) });
      await nothingExists(st);
    },
  );
});

describe('startTerminal', () => {
  it('writes the files (owner only), records, tracks and announces the terminal, and returns when it is ready', async () => {
    const st = await stack();
    const events = recording(st);
    const prepared = await prepareTerminal(st.deps, request(st));
    const seenAtCreation: unknown[] = [];
    const record = await startTerminal(st.deps, prepared, {
      newSession: true,
      onCreated: async (r) => {
        seenAtCreation.push(!!(await st.store.getTerminal(r.id)), st.deps.tracker.isTracked(r.id));
      },
    });
    // the row exists before tracking starts (its first status is persisted onto it)
    expect(seenAtCreation).toEqual([true, false]);
    // the window names the terminal id every cao command takes
    expect(record.windowName).toBe(`developer-${record.id}`);
    for (const f of prepared.files) {
      expect(readFileSync(f.path, 'utf8')).toBe(f.content);
      expect(statSync(f.path).mode & 0o777).toBe(0o600);
    }
    expect(await st.store.getTerminal(record.id)).toMatchObject({
      id: record.id,
      windowName: record.windowName,
      readyAt: expect.any(String),
    });
    expect(st.deps.tracker.get(record.id)?.status).toBe('idle');
    expect(st.runtime.paneOf(record.id).spec.argv).toEqual(prepared.spec.argv);
    const types = events.filter((e) => 'terminal_id' in e && e.terminal_id === record.id);
    expect(types.map((e) => e.type)).toEqual(
      expect.arrayContaining(['terminal.created', 'terminal.ready']),
    );
    expect(types.findIndex((e) => e.type === 'terminal.created')).toBeLessThan(
      types.findIndex((e) => e.type === 'terminal.ready'),
    );
  });

  it('answers the start-up dialogs the provider knows (trust this folder)', async () => {
    const st = await stack({ others: { trustDialog: true } });
    const record = await conductor(st);
    const pane = st.runtime.paneOf(record.id);
    // the cursor starts on "No, exit": down to "Yes, I trust this folder", then take it
    expect(pane.keysPressed).toEqual(['Down', 'Enter']);
    expect(pane.dead).toBe(false);
    expect(st.deps.tracker.get(record.id)?.status).toBe('idle');
  });

  it('a CLI that exits during start-up: the error quotes its screen; session, window, row and files are gone', async () => {
    const st = await stack({ others: { crashOnStart: 1 } });
    const e = await failure(conductor(st));
    expect(e.code).toBe('AGENT_FAILED');
    expect(e.message).toMatch(/^Claude Code failed to start: .*status 1/);
    expect(e.message).toContain('screen: Error: something went wrong during start-up');
    await nothingExists(st);
  });

  it('a worker whose CLI exits: only its window and its files go; the session and its other terminal stay', async () => {
    const st = await stack({ reviewer: { crashOnStart: 2 } });
    const first = await conductor(st);
    const worker = await prepareTerminal(st.deps, request(st, { profileName: 'reviewer' }));
    const e = await failure(startTerminal(st.deps, worker, { newSession: false }));
    expect(e.code).toBe('AGENT_FAILED');
    expect((await st.store.listTerminals()).map((t) => t.id)).toEqual([first.id]);
    expect([...st.runtime.panes.values()].map((p) => p.spec.terminalId)).toEqual([first.id]);
    expect(await st.runtime.hasSession('cao-l')).toBe(true);
    expect(st.deps.tracker.isTracked(worker.record.id)).toBe(false);
    for (const f of worker.files) expect(existsSync(f.path)).toBe(false);
  });

  it('a window that cannot be created leaves no files behind', async () => {
    const st = await stack();
    const e = await failure(
      startTerminal(st.deps, await prepareTerminal(st.deps, request(st)), { newSession: false }),
    );
    expect(e.code).toBe('NOT_FOUND');
    await nothingExists(st);
  });

  it('a question nobody can answer fails after unansweredDialogMs, quoting it', async () => {
    // a permission prompt on the way up: Claude Code's start-up keys do not answer it
    const inner = fakeClaude({ permissionOn: 'DANGER' });
    const asking: FakeProgram = {
      ...inner,
      start: (p) => {
        inner.start(p);
        inner.paste?.(p, 'DANGER');
        inner.keys?.(p, ['Enter']);
      },
    };
    // the start-up wait looks again when the screen changes or, at the latest, when the time
    // left runs out: a short init timeout keeps this test short
    const st = await stack({
      others: asking,
      timing: { unansweredDialogMs: 200, initTimeoutMs: 500 },
    });
    const e = await failure(conductor(st));
    expect(e.code).toBe('AGENT_FAILED');
    expect(e.message).toMatch(
      /^Claude Code is waiting for an answer cao cannot give during start-up: .*screen: .*Do you want to proceed\?/,
    );
    expect(e.message).toContain('Answer it once in a normal session of that CLI');
    await nothingExists(st);
  });

  it('a CLI that never shows its prompt times out, quoting its screen', async () => {
    const st = await stack({ others: { hang: true }, timing: { initTimeoutMs: 1000 } });
    const e = await failure(conductor(st));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toMatch(
      /^Claude Code did not show its input prompt within 1s \(status \w+\): .*— screen: Loading…$/,
    );
    await nothingExists(st);
  });

  it('deferReady returns at once; a failure later runs onStartFailed while the row exists, then removes the terminal', async () => {
    const slowCrash: FakeProgram = {
      start: (p) => {
        p.show('Starting…');
        setTimeout(() => {
          p.show('Error: the model config is broken');
          p.die(4);
        }, 50);
      },
    };
    const st = await stack({ reviewer: slowCrash });
    await conductor(st);
    const events = recording(st);
    const prepared = await prepareTerminal(st.deps, request(st, { profileName: 'reviewer' }));
    const failed: { id: string; code: string; message: string; rowThen: boolean }[] = [];
    const record = await startTerminal(st.deps, prepared, {
      newSession: false,
      deferReady: true,
      onStartFailed: async (r, e) => {
        failed.push({
          id: r.id,
          code: e.code,
          message: e.message,
          rowThen: !!(await st.store.getTerminal(r.id)),
        });
      },
    });
    expect(record.id).toBe(prepared.record.id);
    expect(st.deps.tracker.get(record.id)?.status).not.toBe('error');
    expect(await st.store.getTerminal(record.id)).toBeDefined();
    await expect
      .poll(() => events.some((e) => e.type === 'terminal.deleted' && e.terminal_id === record.id))
      .toBe(true);
    expect(failed).toEqual([
      {
        id: record.id,
        code: 'AGENT_FAILED',
        message: expect.stringMatching(/status 4.*screen: .*the model config is broken/),
        rowThen: true,
      },
    ]);
    expect(await st.store.getTerminal(record.id)).toBeUndefined();
    expect(st.runtime.panes.size).toBe(1);
    for (const f of prepared.files) expect(existsSync(f.path)).toBe(false);
  });

  it("is not ready before the agent's cao-mcp-server reported (within the grace period)", async () => {
    const st = await stack({ mcpConnects: false, timing: { mcpGraceMs: 10_000 } });
    const ready: string[] = [];
    st.core.subscribe((e) => {
      if (e.type === 'terminal.ready') ready.push(e.terminal_id);
    });
    const prepared = await prepareTerminal(st.deps, request(st));
    let done = false;
    const starting = startTerminal(st.deps, prepared, { newSession: true }).then((r) => {
      done = true;
      return r;
    });
    await expect.poll(() => st.deps.tracker.get(prepared.record.id)?.status).toBe('idle');
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    expect(ready).toEqual([]);
    await st.core.terminals.markMcpReady(prepared.record.id);
    expect((await starting).id).toBe(prepared.record.id);
    expect(ready).toEqual([prepared.record.id]);
  });
});

describe('helpers', () => {
  it("initTimeout: the profile's provider_init_timeout (s), else the configured one", async () => {
    const st = await stack({ timing: { initTimeoutMs: 1234 } });
    const { profile } = await prepareTerminal(st.deps, request(st));
    expect(initTimeout(st.deps, profile)).toBe(1234);
    expect(initTimeout(st.deps, { ...profile, provider_init_timeout: 7 })).toBe(7000);
  });

  it('mcpPending: expected, not reported, and within the grace period', () => {
    const t = {
      mcpExpected: true,
      mcpReadyAt: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    } as const;
    const start = Date.parse(t.createdAt);
    const record = (over: Partial<TerminalRecord>): TerminalRecord =>
      ({ ...t, ...over }) as TerminalRecord;
    expect(mcpPending(record({}), 1000, start + 999)).toBe(true);
    expect(mcpPending(record({}), 1000, start + 1000)).toBe(false);
    expect(mcpPending(record({ mcpReadyAt: t.createdAt }), 1000, start)).toBe(false);
    expect(mcpPending(record({ mcpExpected: false }), 1000, start)).toBe(false);
    // counted from the ready screen when given
    expect(mcpPending(record({}), 1000, start + 1500, start + 600)).toBe(true);
    expect(mcpPending(record({}), 1000, start + 1600, start + 600)).toBe(false);
  });

  it("readySettle: only Codex settles, and only when it lists no MCP tools; the timing's wins", async () => {
    const st = await stack({ timing: { readySettleMs: undefined } });
    const record = await conductor(st);
    const withoutMcp = 'abcd0001';
    await st.store.insertTerminal({
      ...record,
      id: withoutMcp,
      tokenHash: 'x'.repeat(64),
      mcpExpected: false,
    });
    expect(await readySettle(st.deps, record.id, getProvider('claude_code'))).toBe(0);
    expect(await readySettle(st.deps, record.id, getProvider('gemini_cli'))).toBe(0);
    // Codex lists cao's tools only after its folder-trust answer: that listing is the readiness
    expect(record.mcpExpected).toBe(true);
    expect(await readySettle(st.deps, record.id, getProvider('codex'))).toBe(0);
    expect(await readySettle(st.deps, withoutMcp, getProvider('codex'))).toBe(300);
    const tests = { ...st.deps, timing: { ...st.deps.timing, readySettleMs: 10 } };
    expect(await readySettle(tests, record.id, getProvider('claude_code'))).toBe(10);
    expect(await readySettle(tests, withoutMcp, getProvider('codex'))).toBe(10);
  });

  it('markReady records the moment once and announces it once', async () => {
    const st = await stack();
    const record = await conductor(st);
    const readyAt = (await st.store.getTerminal(record.id))?.readyAt;
    const events = recording(st);
    await markReady(st.deps, record.id);
    await markReady(st.deps, 'ffff0000');
    expect((await st.store.getTerminal(record.id))?.readyAt).toBe(readyAt);
    expect(events).toEqual([]);
  });
});
