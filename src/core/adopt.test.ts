import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import { caoPaths } from '../lib/paths.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { TerminalRecord } from '../store/store.js';
import type { TerminalView } from './views.js';
import { adoptTerminals } from './adopt.js';
import { assembleCore } from './core.js';

let s: TestStack | undefined;
let rootOnly: string | undefined;
afterEach(async () => {
  await s?.close();
  if (rootOnly) rmSync(rootOnly, { recursive: true, force: true });
});

describe('adoptTerminals', () => {
  it('keeps the live terminals and their files; sweeps the files of terminals that are gone', async () => {
    rootOnly = mkdtempSync(join(tmpdir(), 'cao-root-only-'));
    s = createTestStack({ rootOnlyDir: rootOnly });
    const live = (
      await s.req<TerminalView>(
        'POST',
        `/sessions?agent_profile=developer&session_name=a1&working_directory=${encodeURIComponent(s.work)}&provider=claude_code`,
      )
    ).body;
    for (const dir of [s.paths.tmp, rootOnly]) {
      writeFileSync(join(dir, `${live.id}.settings.json`), '{}');
      writeFileSync(join(dir, 'deadbeef.settings.json'), '{}');
    }
    writeFileSync(join(s.paths.tmp, 'notes.txt'), 'not a terminal file');

    const report = await adoptTerminals(s.deps);

    expect(report.adopted).toEqual([live.id]);
    expect(report.sweptFiles).toBe(2);
    expect(readdirSync(rootOnly)).toEqual([`${live.id}.settings.json`]);
    expect(readdirSync(s.paths.tmp)).toContain(`${live.id}.settings.json`);
    expect(readdirSync(s.paths.tmp)).toContain('notes.txt');
    expect(readdirSync(s.paths.tmp)).not.toContain('deadbeef.settings.json');
  });
});

describe('adoption without the database', () => {
  it('rebuilds the rows of this home’s terminals from their tmux windows, and shutdown reaches them', async () => {
    s = createTestStack();
    const stack = s;
    const conductor = (
      await stack.req<TerminalView>('POST', '/sessions', {
        agent_profile: 'developer',
        provider: 'claude_code',
        session_name: 'lost',
        working_directory: stack.work,
        allowed_tools: ['fs_read', '@cao-mcp-server'],
        model: 'opus',
      })
    ).body;
    const worker = (
      await stack.req<TerminalView>('POST', '/sessions/cao-lost/terminals', {
        agent_profile: 'reviewer',
        provider: 'claude_code',
        caller_id: conductor.id,
      })
    ).body;
    const before = await stack.store.listTerminals();
    expect(before).toHaveLength(2);

    // the database is gone: a new store, the same tmux
    const { tracker: _tracker, bus: _bus, ...edges } = stack.deps;
    const store = new SqliteStore(':memory:');
    const { core, deps } = assembleCore({ ...edges, store });
    try {
      const report = await adoptTerminals(deps);
      expect(report.rebuilt.sort()).toEqual([conductor.id, worker.id].sort());
      expect(report.adopted.sort()).toEqual([conductor.id, worker.id].sort());
      const rows = await store.listTerminals();
      const pick = (t: TerminalRecord) => ({
        id: t.id,
        session: t.session,
        windowName: t.windowName,
        provider: t.provider,
        agentProfile: t.agentProfile,
        workingDirectory: t.workingDirectory,
        allowedTools: t.allowedTools,
        callerId: t.callerId,
        model: t.model,
        mcpExpected: t.mcpExpected,
        createdAt: t.createdAt,
      });
      expect(rows.map(pick)).toEqual(before.map(pick));
      expect(rows.every((t) => t.readyAt !== null)).toBe(true);
      const session = await store.getSession('cao-lost');
      expect(session?.workingDirectory).toBe(conductor.working_directory);
      expect((await core.sessions.list()).map((x) => x.name)).toEqual(['cao-lost']);
      // cao shutdown --session reaches the rebuilt agents
      await core.sessions.delete('cao-lost');
      expect(stack.runtime.panes.size).toBe(0);
    } finally {
      await core.close();
      store.close();
    }
  });

  it('leaves alone the windows of another CAO_HOME on the same tmux server', async () => {
    s = createTestStack();
    const stack = s;
    const r = await stack.req<TerminalView>('POST', '/sessions', {
      agent_profile: 'developer',
      provider: 'claude_code',
      session_name: 'theirs',
      working_directory: stack.work,
    });
    expect(r.status).toBe(201);
    const { tracker: _tracker, bus: _bus, ...edges } = stack.deps;
    const store = new SqliteStore(':memory:');
    const { core, deps } = assembleCore({
      ...edges,
      store,
      paths: caoPaths({ CAO_HOME_DIR: join(stack.root, 'other-home') }),
    });
    try {
      const report = await adoptTerminals(deps);
      expect(report.rebuilt).toEqual([]);
      expect(report.adopted).toEqual([]);
      expect(await store.listTerminals()).toEqual([]);
      expect(stack.runtime.panes.size).toBe(1);
    } finally {
      await core.close();
      store.close();
    }
  });
});
