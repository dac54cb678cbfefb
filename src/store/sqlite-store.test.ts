/**
 * The SQLite store, method by method, over an in-memory database (and a file one where the
 * file itself matters: modes, migrations of an existing database).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';
import type { FlowRecord, NewFlowRun, NewMessage, TerminalRecord } from './store.js';

let store: SqliteStore;
let dir: string | undefined;
beforeEach(() => {
  store = new SqliteStore(':memory:');
});
afterEach(() => {
  store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:01.000Z';
const T2 = '2026-01-01T00:00:02.000Z';

const terminal = (over: Partial<TerminalRecord> = {}): TerminalRecord => ({
  id: 'aaaa0001',
  session: 'cao-one',
  windowName: 'developer-0a0b',
  provider: 'claude_code',
  agentProfile: 'developer',
  workingDirectory: '/work',
  allowedTools: null,
  callerId: null,
  model: null,
  status: 'unknown',
  mcpExpected: false,
  mcpReadyAt: null,
  readyAt: null,
  tokenHash: null,
  conversationId: null,
  host: 'local',
  paneId: null,
  windowId: null,
  createdAt: T0,
  lastActive: T0,
  ...over,
});

const message = (over: Partial<NewMessage> = {}): NewMessage => ({
  senderId: 'aaaa0001',
  receiverId: 'bbbb0002',
  message: 'hello',
  orchestrationType: 'send_message',
  ...over,
});

const flow = (over: Partial<FlowRecord> = {}): FlowRecord => ({
  name: 'nightly',
  filePath: '/cao/flows/nightly.flow.md',
  schedule: '0 2 * * *',
  agentProfile: 'developer',
  provider: 'claude_code',
  script: null,
  enabled: true,
  lastRun: null,
  nextRun: T1,
  createdAt: T0,
  ...over,
});

const run = (over: Partial<NewFlowRun> = {}): NewFlowRun => ({
  flowName: 'nightly',
  startedAt: T0,
  trigger: 'schedule',
  outcome: 'executed',
  reason: null,
  session: 'cao-nightly',
  terminalId: 'aaaa0001',
  messageId: 7,
  ...over,
});

const tables = (s: SqliteStore): string[] =>
  (
    s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((n) => !n.startsWith('sqlite_'));

describe('migrations', () => {
  it('bring an empty database to the current version', () => {
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(tables(store)).toEqual([
      'budgets',
      'flow_runs',
      'flows',
      'hosts',
      'inbox',
      'resumable_terminals',
      'sessions',
      'terminals',
      'turn_usage',
      'worktrees',
    ]);
  });

  it('apply only the missing ones to an older database and keep its rows', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cao-store-'));
    const file = join(dir, 'cao.db');
    const old = new SqliteStore(file);
    await old.insertSession({ name: 'cao-kept', workingDirectory: '/w', env: {}, createdAt: T0 });
    // as a database written before migration 2 existed looks (nor migration 3)
    old.db.exec(
      'DROP TABLE flow_runs; DROP TABLE flows; DROP INDEX terminals_token_hash; ALTER TABLE terminals DROP COLUMN token_hash;' +
        ' DROP TABLE hosts; ALTER TABLE terminals DROP COLUMN host; ALTER TABLE terminals DROP COLUMN pane_id; ALTER TABLE terminals DROP COLUMN window_id;' +
        ' DROP TABLE worktrees; DROP TABLE resumable_terminals; ALTER TABLE terminals DROP COLUMN conversation_id;' +
        ' DROP TABLE turn_usage; DROP TABLE budgets;',
    );
    old.db.pragma('user_version = 1');
    old.close();

    const reopened = new SqliteStore(file);
    try {
      expect(reopened.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(tables(reopened)).toContain('flows');
      expect((await reopened.getSession('cao-kept'))?.workingDirectory).toBe('/w');
      await reopened.upsertFlow(flow());
      expect(await reopened.listFlows()).toHaveLength(1);
    } finally {
      reopened.close();
    }
    // opening a current database runs nothing again (a re-run would fail: tables exist)
    new SqliteStore(file).close();
  });

  it('keeps a database file and its WAL readable by the owner only', () => {
    dir = mkdtempSync(join(tmpdir(), 'cao-store-'));
    const file = join(dir, 'cao.db');
    const s = new SqliteStore(file);
    try {
      expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
      for (const f of [file, `${file}-wal`]) expect(statSync(f).mode & 0o777).toBe(0o600);
    } finally {
      s.close();
    }
  });
});

describe('sessions', () => {
  it('round-trip with their env; listed oldest first', async () => {
    await store.insertSession({
      name: 'cao-b',
      workingDirectory: null,
      env: { A: '1', B: 'two words' },
      createdAt: T1,
    });
    await store.insertSession({ name: 'cao-a', workingDirectory: '/w', env: {}, createdAt: T0 });
    expect(await store.getSession('cao-b')).toEqual({
      name: 'cao-b',
      workingDirectory: null,
      env: { A: '1', B: 'two words' },
      createdAt: T1,
    });
    expect(await store.getSession('cao-none')).toBeUndefined();
    expect((await store.listSessions()).map((s) => s.name)).toEqual(['cao-a', 'cao-b']);
  });

  it('are deleted with their terminals, and only theirs', async () => {
    await store.insertSession({ name: 'cao-one', workingDirectory: null, env: {}, createdAt: T0 });
    await store.insertSession({ name: 'cao-two', workingDirectory: null, env: {}, createdAt: T0 });
    await store.insertTerminal(terminal({ id: 'aaaa0001', session: 'cao-one' }));
    await store.insertTerminal(terminal({ id: 'aaaa0002', session: 'cao-two' }));
    await store.deleteSession('cao-one');
    expect(await store.getSession('cao-one')).toBeUndefined();
    expect((await store.listTerminals()).map((t) => t.id)).toEqual(['aaaa0002']);
    expect(await store.getSession('cao-two')).toBeDefined();
  });
});

describe('terminals', () => {
  it('finds a terminal by the hash of its token, and no longer once it is deleted', async () => {
    await store.insertSession({ name: 'cao-one', workingDirectory: null, env: {}, createdAt: T0 });
    await store.insertTerminal(terminal({ tokenHash: 'ab'.repeat(32) }));
    expect((await store.terminalByTokenHash('ab'.repeat(32)))?.id).toBe('aaaa0001');
    expect(await store.terminalByTokenHash('cd'.repeat(32))).toBeUndefined();
    await store.deleteTerminal('aaaa0001');
    expect(await store.terminalByTokenHash('ab'.repeat(32))).toBeUndefined();
  });

  it('round-trip every field (tool lists and flags included)', async () => {
    const full = terminal({
      allowedTools: ['fs_read', '@cao-mcp-server'],
      callerId: 'cccc0003',
      model: 'sonnet',
      status: 'completed',
      mcpExpected: true,
      mcpReadyAt: T1,
      readyAt: T2,
    });
    await store.insertTerminal(full);
    expect(await store.getTerminal(full.id)).toEqual(full);
    await store.insertTerminal(terminal({ id: 'aaaa0002' }));
    expect(await store.getTerminal('aaaa0002')).toEqual(terminal({ id: 'aaaa0002' }));
    expect(await store.getTerminal('ffffffff')).toBeUndefined();
  });

  it('list in creation order (insertion order for the same instant), all or one session', async () => {
    await store.insertTerminal(terminal({ id: 'aaaa0003', createdAt: T1 }));
    await store.insertTerminal(terminal({ id: 'aaaa0002', createdAt: T0 }));
    await store.insertTerminal(terminal({ id: 'aaaa0001', createdAt: T0 }));
    await store.insertTerminal(terminal({ id: 'aaaa0004', session: 'cao-two', createdAt: T0 }));
    expect((await store.listTerminals()).map((t) => t.id)).toEqual([
      'aaaa0002',
      'aaaa0001',
      'aaaa0004',
      'aaaa0003',
    ]);
    expect((await store.listTerminals({ session: 'cao-one' })).map((t) => t.id)).toEqual([
      'aaaa0002',
      'aaaa0001',
      'aaaa0003',
    ]);
    expect(await store.listTerminals({ session: 'cao-none' })).toEqual([]);
  });

  it('update only the fields given; null clears, undefined leaves', async () => {
    await store.insertTerminal(terminal({ readyAt: T0, mcpReadyAt: T0 }));
    await store.updateTerminal('aaaa0001', {
      status: 'processing',
      lastActive: T2,
      windowName: 'renamed',
      mcpReadyAt: null,
      readyAt: undefined,
    });
    expect(await store.getTerminal('aaaa0001')).toEqual(
      terminal({
        status: 'processing',
        lastActive: T2,
        windowName: 'renamed',
        mcpReadyAt: null,
        readyAt: T0,
      }),
    );
    await store.updateTerminal('aaaa0001', {});
    await store.updateTerminal('ffffffff', { status: 'idle' });
    expect((await store.getTerminal('aaaa0001'))?.status).toBe('processing');
  });

  it('are deleted one by one', async () => {
    await store.insertTerminal(terminal({ id: 'aaaa0001' }));
    await store.insertTerminal(terminal({ id: 'aaaa0002' }));
    await store.deleteTerminal('aaaa0001');
    await store.deleteTerminal('ffffffff');
    expect((await store.listTerminals()).map((t) => t.id)).toEqual(['aaaa0002']);
  });
});

describe('messages (the ledger)', () => {
  it('start pending, with no attempts, ids in order', async () => {
    const a = await store.insertMessage(message(), T0);
    const b = await store.insertMessage(message({ orchestrationType: 'handoff' }), T1);
    expect(a).toEqual({
      id: a.id,
      senderId: 'aaaa0001',
      receiverId: 'bbbb0002',
      message: 'hello',
      orchestrationType: 'send_message',
      state: 'pending',
      attempts: 0,
      error: null,
      createdAt: T0,
      updatedAt: T0,
      deliveredAt: null,
      nextAttemptAt: null,
    });
    expect(b.id).toBeGreaterThan(a.id);
    expect(await store.getMessage(b.id)).toEqual(b);
    expect(await store.getMessage(9999)).toBeUndefined();
  });

  it('list newest first or oldest first, by receiver, sender, states and types, up to a limit', async () => {
    const ids: number[] = [];
    const add = async (over: Partial<NewMessage>): Promise<number> => {
      const m = await store.insertMessage(message(over), T0);
      ids.push(m.id);
      return m.id;
    };
    const toB = await add({});
    const userToB = await add({ senderId: 'user', orchestrationType: 'user' });
    const toC = await add({ receiverId: 'cccc0003', orchestrationType: 'assign' });
    const noticeToB = await add({ senderId: 'cao', orchestrationType: 'notice' });
    await store.transitionMessage(toB, ['pending'], { state: 'delivered' }, T1);

    const list = async (...args: Parameters<SqliteStore['listMessages']>): Promise<number[]> =>
      (await store.listMessages(...args)).map((m) => m.id);
    expect(await list({})).toEqual([...ids].reverse());
    expect(await list({}, true)).toEqual(ids);
    expect(await list({ receiverId: 'bbbb0002' }, true)).toEqual([toB, userToB, noticeToB]);
    expect(await list({ senderId: 'user' })).toEqual([userToB]);
    expect(await list({ states: ['pending'] }, true)).toEqual([userToB, toC, noticeToB]);
    expect(await list({ states: ['pending', 'delivered'] }, true)).toEqual(ids);
    expect(await list({ types: ['notice', 'assign'] }, true)).toEqual([toC, noticeToB]);
    expect(await list({ types: ['handoff'] })).toEqual([]);
    expect(await list({ receiverId: 'bbbb0002', types: ['user', 'send_message'] }, true)).toEqual([
      toB,
      userToB,
    ]);
    // an empty list of states or types filters nothing
    expect(await list({ states: [], types: [] }, true)).toEqual(ids);
    expect(await list({ limit: 2 })).toEqual([noticeToB, toC]);
    expect(await list({ limit: 2 }, true)).toEqual([toB, userToB]);
  });

  it('headMessage: the oldest pending or submitting message of that receiver', async () => {
    expect(await store.headMessage('bbbb0002')).toBeUndefined();
    const first = await store.insertMessage(message(), T0);
    const second = await store.insertMessage(message(), T0);
    const third = await store.insertMessage(message(), T0);
    await store.insertMessage(message({ receiverId: 'cccc0003' }), T0);
    expect((await store.headMessage('bbbb0002'))?.id).toBe(first.id);
    await store.transitionMessage(first.id, ['pending'], { state: 'delivered' }, T1);
    await store.transitionMessage(second.id, ['pending'], { state: 'submitting' }, T1);
    expect((await store.headMessage('bbbb0002'))?.id).toBe(second.id);
    await store.transitionMessage(second.id, ['submitting'], { state: 'failed' }, T1);
    expect((await store.headMessage('bbbb0002'))?.id).toBe(third.id);
    await store.transitionMessage(third.id, ['pending'], { state: 'delivered' }, T1);
    expect(await store.headMessage('bbbb0002')).toBeUndefined();
  });

  it('receiversWithQueue: each receiver with something pending or submitting, once', async () => {
    const b1 = await store.insertMessage(message(), T0);
    await store.insertMessage(message(), T0);
    const c = await store.insertMessage(message({ receiverId: 'cccc0003' }), T0);
    const d = await store.insertMessage(message({ receiverId: 'dddd0004' }), T0);
    await store.transitionMessage(c.id, ['pending'], { state: 'submitting' }, T1);
    await store.transitionMessage(d.id, ['pending'], { state: 'failed' }, T1);
    await store.transitionMessage(b1.id, ['pending'], { state: 'delivered' }, T1);
    expect((await store.receiversWithQueue()).sort()).toEqual(['bbbb0002', 'cccc0003']);
  });

  it('transitionMessage is a compare-and-set: only from the given states, once', async () => {
    const m = await store.insertMessage(message(), T0);
    expect(
      await store.transitionMessage(
        m.id,
        ['pending'],
        { state: 'submitting', attempts: 1, nextAttemptAt: T2, error: 'try again' },
        T1,
      ),
    ).toBe(true);
    // a second writer that also saw it pending loses, and changes nothing
    expect(
      await store.transitionMessage(m.id, ['pending'], { state: 'failed', error: 'late' }, T2),
    ).toBe(false);
    expect(await store.getMessage(m.id)).toEqual({
      ...m,
      state: 'submitting',
      attempts: 1,
      error: 'try again',
      nextAttemptAt: T2,
      updatedAt: T1,
    });
    // fields left out stay; null clears; the state may stay the same
    expect(await store.transitionMessage(m.id, ['submitting'], { nextAttemptAt: null }, T2)).toBe(
      true,
    );
    expect(await store.getMessage(m.id)).toMatchObject({
      state: 'submitting',
      error: 'try again',
      nextAttemptAt: null,
      updatedAt: T2,
    });
    expect(
      await store.transitionMessage(
        m.id,
        ['pending', 'submitting'],
        { state: 'delivered', deliveredAt: T2, error: null },
        T2,
      ),
    ).toBe(true);
    expect(await store.getMessage(m.id)).toMatchObject({
      state: 'delivered',
      deliveredAt: T2,
      error: null,
      attempts: 1,
    });
    expect(await store.transitionMessage(9999, ['pending'], { state: 'failed' }, T2)).toBe(false);
  });
});

describe('flows and their runs', () => {
  it('upsert inserts, then replaces every field; listed by name', async () => {
    await store.upsertFlow(flow({ name: 'zeta' }));
    await store.upsertFlow(flow());
    expect(await store.getFlow('nightly')).toEqual(flow());
    const changed = flow({
      schedule: '*/5 * * * *',
      script: '/cao/flows/gate.sh',
      enabled: false,
      lastRun: T1,
      nextRun: null,
    });
    await store.upsertFlow(changed);
    expect(await store.getFlow('nightly')).toEqual(changed);
    expect((await store.listFlows()).map((f) => f.name)).toEqual(['nightly', 'zeta']);
    expect(await store.getFlow('none')).toBeUndefined();
  });

  it('update only the fields given (enabled as a flag)', async () => {
    await store.upsertFlow(flow());
    await store.updateFlow('nightly', { enabled: false, nextRun: null });
    expect(await store.getFlow('nightly')).toEqual(flow({ enabled: false, nextRun: null }));
    await store.updateFlow('nightly', { enabled: true, lastRun: T2, nextRun: undefined });
    expect(await store.getFlow('nightly')).toEqual(
      flow({ enabled: true, lastRun: T2, nextRun: null }),
    );
    await store.updateFlow('nightly', {});
  });

  it('runs: recorded with ids, listed newest first up to a limit, per flow', async () => {
    await store.upsertFlow(flow());
    const first = await store.insertFlowRun(run());
    const skipped = await store.insertFlowRun(
      run({
        startedAt: T1,
        trigger: 'manual',
        outcome: 'skipped-by-script',
        reason: 'the gate script said no',
        session: null,
        terminalId: null,
        messageId: null,
      }),
    );
    await store.insertFlowRun(run({ flowName: 'other' }));
    expect(first).toEqual({ ...run(), id: first.id });
    expect(skipped.id).toBeGreaterThan(first.id);
    expect(await store.listFlowRuns('nightly', 10)).toEqual([skipped, first]);
    expect(await store.listFlowRuns('nightly', 1)).toEqual([skipped]);
    expect(await store.listFlowRuns('none', 10)).toEqual([]);
  });

  it('a replaced flow keeps its runs; a deleted one takes them along', async () => {
    await store.upsertFlow(flow());
    await store.insertFlowRun(run());
    await store.insertFlowRun(run({ flowName: 'other' }));
    await store.upsertFlow(flow({ schedule: '0 3 * * *' }));
    expect(await store.listFlowRuns('nightly', 10)).toHaveLength(1);
    await store.deleteFlow('nightly');
    expect(await store.getFlow('nightly')).toBeUndefined();
    expect(await store.listFlowRuns('nightly', 10)).toEqual([]);
    expect(await store.listFlowRuns('other', 10)).toHaveLength(1);
  });
});

describe('failures', () => {
  // the Store seam is asynchronous: callers handle failures with `.catch` (core.ts persists
  // statuses with `void store.updateTerminal(…).catch(…)`), which a synchronous throw bypasses
  it('come back as rejected promises, never thrown at the call', async () => {
    const s = { name: 'cao-a', workingDirectory: null, env: {}, createdAt: T0 };
    await store.insertSession(s);
    const duplicate = store.insertSession(s);
    await expect(duplicate).rejects.toThrow(/UNIQUE/);
    store.close();
    const closed = store.updateTerminal('aaaa0001', { status: 'idle' });
    await expect(closed).rejects.toThrow(/not open/);
    store = new SqliteStore(':memory:');
  });
});
