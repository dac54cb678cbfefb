/**
 * Stacks for the benchmarks, built on the e2e harness (test/e2e/harness.ts): real agent CLIs
 * configured as in test/e2e/cli-setups.ts, or the fake Claude Code (test/fake-agent) for the
 * parts that need many terminals.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_SETUPS } from '../../test/e2e/cli-setups.js';
import { startStack, type Stack } from '../../test/e2e/harness.js';
import type { Script } from '../../test/fake-model/script.js';
import { PROJECT_ROOT } from '../../test/support/shared.js';

export const FAKE_AGENT_BIN = join(PROJECT_ROOT, 'test', 'fake-agent', 'bin');

/** A profile without MCP servers: nothing but the CLI itself. */
const PLAIN = `---
name: bench_plain
description: A profile without MCP servers, for benchmarks.
---
You answer briefly.
`;

export const PLAIN_PROFILE = 'bench_plain';

/**
 * The agents' working directory: outside any git repository (the harness's own work folder is
 * inside this project's checkout, where Codex asks "Trust this folder?" a moment after showing
 * its prompt; see the README).
 */
export const BENCH_WORK = mkdtempSync(join(tmpdir(), 'cao-bench-work-'));
process.once('exit', () => rmSync(BENCH_WORK, { recursive: true, force: true }));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** cao-server as users run it: info-level logs (the harness defaults to debug). */
const QUIET = { CAO_LOG_LEVEL: 'info', IS_SANDBOX: '1' };

export async function installPlain(s: Stack, provider: string): Promise<void> {
  const file = join(s.root, `${PLAIN_PROFILE}.md`);
  writeFileSync(file, PLAIN);
  const r = await s.cao(['install', file, '--provider', provider]);
  if (r.code !== 0) throw new Error(`cao install failed: ${r.stderr}`);
}

/** A stack whose `claude` is the fake agent. */
export async function fakeAgentStack(o: {
  turnMs: number;
  log?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<Stack> {
  const s = await startStack({
    clis: [],
    env: {
      PATH: `${FAKE_AGENT_BIN}:${process.env['PATH'] ?? ''}`,
      FAKE_CLAUDE_TURN_MS: String(o.turnMs),
      ...(o.log ? { FAKE_CLAUDE_LOG: o.log } : {}),
      ...QUIET,
      ...o.env,
    },
  });
  try {
    await installPlain(s, 'claude_code');
  } catch (e) {
    await s.stop();
    throw e;
  }
  return s;
}

/** A stack with a real agent CLI (installed on demand) talking to the fake model server. */
export async function realCliStack(cli: string, script: Script): Promise<Stack> {
  const setup = CLI_SETUPS.find((c) => c.cli === cli);
  if (!setup) throw new Error(`no CLI setup for ${cli}`);
  return startStack({
    clis: [cli],
    script,
    envFromModel: setup.env,
    prepare: setup.files,
    env: QUIET,
  });
}

export function providerOf(cli: string): string {
  const setup = CLI_SETUPS.find((c) => c.cli === cli);
  if (!setup) throw new Error(`no CLI setup for ${cli}`);
  return setup.provider;
}

interface TerminalView {
  id: string;
  status: string;
  session_name: string;
}

async function post(s: Stack, path: string, body: unknown): Promise<TerminalView> {
  const r = await s.api<TerminalView & { detail?: string }>('POST', path, body);
  if (r.status >= 300) throw new Error(`POST ${path}: HTTP ${r.status} ${r.body.detail ?? ''}`);
  return r.body;
}

/** Starts a session (its first terminal) and returns the terminal id once the CLI is ready. */
export async function createSession(
  s: Stack,
  session: string,
  profile: string,
  provider: string,
): Promise<string> {
  const t = await post(s, '/sessions', {
    agent_profile: profile,
    provider,
    session_name: session,
    yolo: true,
    working_directory: BENCH_WORK,
  });
  return t.id;
}

/** Adds a terminal to a session and returns its id once the CLI is ready. */
export async function addTerminal(
  s: Stack,
  session: string,
  profile: string,
  provider: string,
): Promise<string> {
  const t = await post(s, `/sessions/cao-${session}/terminals`, {
    agent_profile: profile,
    provider,
    yolo: true,
    working_directory: BENCH_WORK,
  });
  return t.id;
}

/**
 * Creates `count` terminals of the plain profile, `perSession` per session (named
 * `${prefix}0`, `${prefix}1`, …), `concurrency` creations at a time.
 */
export async function createTerminals(
  s: Stack,
  o: { count: number; perSession: number; prefix: string; provider: string; concurrency: number },
): Promise<string[]> {
  const sessions = Math.ceil(o.count / o.perSession);
  const ids: string[] = [];
  // Sessions one at a time: tmux 3.3a's server can crash (SIGSEGV) when a `new-session` runs
  // while a control-mode client attaches to another session. cao makes those take turns itself
  // (TmuxRuntime.takeTurn); the bench's set-up keeps to one at a time so that it does not rest
  // on the thing some parts measure. Windows in existing sessions are created concurrently.
  for (let i = 0; i < sessions; i++)
    ids.push(await createSession(s, `${o.prefix}${i}`, PLAIN_PROFILE, o.provider));
  const rest: number[] = [];
  for (let i = sessions; i < o.count; i++) rest.push(i % sessions);
  await pool(rest, o.concurrency, async (i) => {
    ids.push(await addTerminal(s, `${o.prefix}${i}`, PLAIN_PROFILE, o.provider));
  });
  return ids;
}

/** Runs `fn` over `items`, at most `n` at a time. */
export async function pool<T>(
  items: T[],
  n: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** The tmux pane of each cao terminal (window option @cao_terminal_id). */
export function panes(s: Stack): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of s
    .tmux(['list-panes', '-a', '-F', '#{@cao_terminal_id} #{pane_id}'])
    .split('\n')) {
    const [id, pane] = line.trim().split(' ');
    if (id && pane) out.set(id, pane);
  }
  return out;
}

/** The tmux server's process id. */
export function tmuxServerPid(s: Stack): number {
  return Number(s.tmux(['display-message', '-p', '#{pid}']).trim());
}
