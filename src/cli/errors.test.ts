/**
 * The `cao` CLI's errors (issue 13 §6), each command run through `main` against the
 * in-process stack: every error line starts with "Error: ", usage errors exit 2 without a
 * stack trace, and the bad inputs the issue lists are refused with a message that says what
 * to do.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import { CaoClient } from '../client/api.js';
import { MAX_PROFILE_BYTES } from '../profiles/install.js';
import type { CliContext } from './context.js';
import { main } from './main.js';

let s: TestStack | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await s?.close();
  s = undefined;
});

interface Run {
  code: number;
  out: string[];
  /** Lines on stderr: the command's own and main's error line. */
  err: string[];
}

/** Runs `cao ARGV` with its HTTP client bound to the stack's app (no port, no autostart). */
async function cao(stack: TestStack, argv: string[]): Promise<Run> {
  const client = new CaoClient('http://127.0.0.1:9889', {
    fetch: (input, init) => Promise.resolve(stack.app.fetch(new Request(input, init))),
    token: stack.tokens.owner,
  });
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    client,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    server: () => Promise.resolve(client),
    agent: () => Promise.resolve(client),
  };
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk).replace(/\n$/, ''));
    return true;
  });
  try {
    const code = await main(argv, ctx);
    return { code, out, err };
  } finally {
    write.mockRestore();
  }
}

const errorLines = (r: Run): string[] =>
  r.err.filter((l) => !l.startsWith('Warning: ') && !l.startsWith('Usage'));

describe('cao errors', () => {
  it('shutdown --session of an unknown session says it was not found', async () => {
    s = createTestStack();
    const r = await cao(s, ['shutdown', '--session', 'nope']);
    expect(r.code).toBe(1);
    expect(r.err).toEqual(["Error: Session 'cao-nope' not found"]);
  });

  it("--session-name '' is refused, by the CLI and by the API", async () => {
    s = createTestStack();
    const r = await cao(s, [
      'launch',
      '--agents',
      'developer',
      '--headless',
      '--auto-approve',
      '--session-name',
      '',
      '--working-directory',
      s.work,
    ]);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(
      /^Error: --session-name is empty; give a name, or leave the option out for a random one\n\nUsage: cao launch/,
    );
    const api = await s.req<{ detail: string }>('POST', '/sessions', {
      agent_profile: 'developer',
      session_name: ' ',
      working_directory: s.work,
    });
    expect(api.status).toBe(400);
    expect(api.body.detail).toMatch(/The session name is empty/);
    expect(s.runtime.panes.size).toBe(0);
  });

  it('--allowed-tools refuses unknown names and lists the known ones', async () => {
    s = createTestStack();
    const r = await cao(s, [
      'launch',
      '--agents',
      'developer',
      '--headless',
      '--auto-approve',
      '--provider',
      'claude_code',
      '--allowed-tools',
      'fs_read',
      '--allowed-tools',
      'fs_raed',
      '--allowed-tools',
      '@nope',
      '--working-directory',
      s.work,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      "Error: Unknown tools in --allowed-tools: 'fs_raed', '@nope'. Known: *, @builtin, fs_*, fs_read, fs_write, fs_list, execute_bash, web_fetch, and @SERVER for an MCP server of profile developer (@cao-mcp-server).",
    ]);
    expect(s.runtime.panes.size).toBe(0);
    const ok = await cao(s, [
      'launch',
      '--agents',
      'developer',
      '--headless',
      '--auto-approve',
      '--provider',
      'claude_code',
      '--allowed-tools',
      'fs_read',
      '--allowed-tools',
      '@cao-mcp-server',
      '--working-directory',
      s.work,
    ]);
    expect(ok.code, ok.err.join('\n')).toBe(0);
  });

  it('--env refuses a loader variable and keeps IS_SANDBOX', async () => {
    s = createTestStack();
    const base = ['launch', '--agents', 'developer', '--headless', '--auto-approve'];
    const where = ['--provider', 'claude_code', '--working-directory', s.work];
    const bad = await cao(s, [...base, ...where, '--env', 'NODE_OPTIONS=--import=data:,1']);
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toMatch(/^Error: The session's environment .* may not set NODE_OPTIONS/);
    const good = await cao(s, [...base, ...where, '--env', 'IS_SANDBOX=1']);
    expect(good.code, good.err.join('\n')).toBe(0);
  });

  it(`install refuses a profile file over ${MAX_PROFILE_BYTES} bytes`, async () => {
    s = createTestStack();
    vi.stubEnv('CAO_HOME_DIR', s.paths.home);
    const file = join(s.root, 'huge.md');
    writeFileSync(
      file,
      `---\nname: huge\ndescription: x\n---\n${'y'.repeat(MAX_PROFILE_BYTES + 1)}\n`,
    );
    const r = await cao(s, ['install', file]);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(
      new RegExp(
        `^Error: Profile file '.*huge\\.md' is \\d+ bytes; a profile may be at most ${MAX_PROFILE_BYTES} bytes`,
      ),
    );
  });

  it('cao server reports a usage error as a plain message, without a stack', async () => {
    s = createTestStack();
    const r = await cao(s, ['server', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^Error: unknown option '--bogus'/);
    expect(r.err.join('\n')).toContain('Usage: cao-server');
    expect(r.err.join('\n')).not.toMatch(/^\s+at /m);
  });

  it('session list says the tmux server is gone; shutdown --all clears the lost sessions', async () => {
    s = createTestStack();
    const launched = await cao(s, [
      'launch',
      '--agents',
      'developer',
      '--headless',
      '--auto-approve',
      '--provider',
      'claude_code',
      '--session-name',
      'gone1',
      '--working-directory',
      s.work,
    ]);
    expect(launched.code, launched.err.join('\n')).toBe(0);
    s.runtime.killServer();
    const list = await cao(s, ['session', 'list']);
    expect(list.code).toBe(1);
    expect(list.out).toEqual([]);
    expect(list.err).toEqual([
      "Error: The tmux server cao uses (the fake terminal server) is gone: it exited or was killed, and took every agent in it. Lost: session cao-gone1. Clear them with 'cao shutdown --all', then launch again.",
    ]);
    const status = await cao(s, ['session', 'status', 'gone1']);
    expect(status.code).toBe(1);
    expect(status.err[0]).toMatch(/^Error: The tmux server cao uses .* is gone/);
    const shut = await cao(s, ['shutdown', '--all']);
    expect(shut.code).toBe(0);
    expect(shut.out).toEqual(["✓ Shutdown session 'cao-gone1'"]);
    // what was lost stays resumable (its conversations can be continued)
    const after = await cao(s, ['session', 'list']);
    expect(after.code).toBe(0);
    expect(after.out).toEqual(['No active sessions']);
    expect(after.err).toEqual([
      "1 ended session can be resumed (cao-gone1): see 'cao session list --resumable'.",
    ]);
    const ended = await cao(s, ['session', 'list', '--resumable']);
    expect(ended.out[2]).toMatch(/^cao-gone1 +[a-f0-9]{8} +resumable +1$/);
    expect(ended.out[3]).toBe("Resume one with 'cao session resume SESSION'.");
    const asJson = await cao(s, ['session', 'list', '--json']);
    expect(JSON.parse(asJson.out.join('\n'))).toEqual([]);
  });

  it('every error line starts with "Error: "', async () => {
    s = createTestStack();
    for (const argv of [
      ['nosuchcommand'],
      ['shutdown'],
      ['session', 'status'],
      ['shutdown', '--session', 'x'],
      ['session', 'status', 'nope'],
      ['agent', 'delete', 'zzzz'],
      ['agent', 'answer', 'abcd1234', 'yes'],
    ]) {
      const r = await cao(s, argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      const lines = errorLines(r).filter(
        (l) => l.trim() !== '' && !/^ {2}|^Usage|^Commands|^Run |^Server|^cao /.test(l),
      );
      expect(lines.length, argv.join(' ')).toBeGreaterThan(0);
      expect(lines[0], argv.join(' ')).toMatch(/^Error: /);
    }
  });
});
