import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DirEntry } from '../runtime/tmux/tmux-host.js';
import { openSqlite, queryReadOnly } from '../store/sqlite-open.js';
import type { TerminalRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import type { Placement } from './placement.js';
import { ownConversation, TranscriptService } from './transcripts.js';

const fixture = (provider: string, name: string): string =>
  readFileSync(
    join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'session-logs', provider, name),
    'utf8',
  );

/** A host's files as a placement sees them (this machine's or an SSH host's: the same seam). */
function hostWith(files: Record<string, string>): { place: Placement; reads: string[] } {
  const reads: string[] = [];
  const notHere = (): never => {
    throw new Error('not used by transcripts');
  };
  const place: Placement = {
    host: 'build-1',
    tmpDir: '/tmp/cao',
    apiUrl: 'http://127.0.0.1:9889',
    baseEnv: {},
    home: '/home/dev',
    isRoot: false,
    rootOnlyDir: undefined,
    findBinary: notHere,
    realDirectory: notHere,
    writeFile: notHere,
    removeTerminalFiles: notHere,
    syncHome: notHere,
    readFile: async (path, maxBytes) => {
      reads.push(path);
      const text = files[path];
      return text === undefined ? undefined : text.slice(0, maxBytes);
    },
    listDir: async (dir): Promise<DirEntry[]> =>
      Object.keys(files)
        .filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/'))
        .map((p) => ({ name: p.slice(dir.length + 1), size: 1, mtimeMs: Date.now() })),
  };
  return { place, reads };
}

/** Each `conversationId` the service recorded, as terminal id → id. */
let recorded: Record<string, string | null | undefined> = {};
/** The messages cao delivered, as message id → the terminal it was for. */
const delivered: Record<number, string> = { 1: 'aaaa1111', 2: 'bbbb2222' };
const service = (place: Placement): TranscriptService => {
  recorded = {};
  const store = {
    updateTerminal: async (id: string, patch: Partial<TerminalRecord>) => {
      recorded[id] = patch.conversationId;
    },
    getMessage: async (id: number) =>
      delivered[id] === undefined ? undefined : { id, receiverId: delivered[id] },
  };
  return new TranscriptService({ placement: async () => place, store } as unknown as CoreDeps);
};

const terminal = (over: Partial<TerminalRecord>): TerminalRecord =>
  ({
    id: 'ab12cd34',
    sessionName: 'cao-u',
    provider: 'kimi_cli',
    agentProfile: 'developer',
    workingDirectory: '/home/dev/proj',
    host: 'build-1',
    conversationId: null,
    createdAt: new Date(1796491839000).toISOString(),
    lastActive: new Date(1796491839000).toISOString(),
    ...over,
  }) as TerminalRecord;

/** The ids of two Codex conversations in one folder: X began first, Y a second later. */
const X_ID = '01a2452b-3111-7720-8755-83220259d6f8';
const Y_ID = '01a2452b-9999-7720-8755-83220259d6f8';

/** X's and Y's logs (each opened by `prompt`, else by the fixture's own) and their paths. */
function codexPair(xPrompt?: string, yPrompt?: string) {
  const one = fixture('codex', 'fence-after-tool.jsonl');
  const opened = (text: string, prompt?: string): string =>
    prompt === undefined ? text : text.replaceAll('fence please (CAO-FENCE)', prompt);
  const y = one
    .replaceAll(X_ID, Y_ID)
    .replace('"timestamp":"2026-12-05T07:46:28.334Z"', '"timestamp":"2026-12-05T07:46:29.334Z"');
  const day = '/home/dev/.codex/sessions/2026/12/05';
  return {
    one,
    x: opened(one, xPrompt),
    y: opened(y, yPrompt),
    xPath: `${day}/rollout-2026-12-05T07-46-28-${X_ID}.jsonl`,
    yPath: `${day}/rollout-2026-12-05T07-46-29-${Y_ID}.jsonl`,
  };
}

describe('TranscriptService on a host', () => {
  it("finds a Kimi terminal's log through Kimi's index there, and never gives one log to two terminals", async () => {
    const wire = fixture('kimi_cli', 'fence-after-tool.jsonl');
    const index = fixture('kimi_cli', 'session_index.jsonl');
    const dir = /"sessionDir":"([^"]+)"/.exec(index)![1]!;
    const { place, reads } = hostWith({
      '/home/dev/.kimi-code/session_index.jsonl': index,
      [`${dir}/agents/main/wire.jsonl`]: wire,
    });
    const s = service(place);
    const first = await s.read(terminal({}));
    expect(first?.path).toBe(`${dir}/agents/main/wire.jsonl`);
    expect(first?.lastPrompt).toBe('fence please (CAO-FENCE)');
    expect(first?.lastAnswer).toContain('```ts');
    expect(reads).toContain('/home/dev/.kimi-code/session_index.jsonl');
    // a second Kimi terminal in the same folder: the only conversation there is taken
    expect(await s.read(terminal({ id: 'ef56ab78' }))).toBeUndefined();
    // Kimi picked the id: cao records it as the terminal's conversation
    expect(recorded['ab12cd34']).toBe(/\/(session_[^/]+)$/.exec(dir)![1]);
  });

  it("records the id Codex picked, and after a restart finds a terminal's own log by it", async () => {
    // a second conversation in the same folder, started a second later
    const pair = codexPair();
    const { place } = hostWith({ [pair.xPath]: pair.x, [pair.yPath]: pair.y });
    const [firstId, secondId] = [X_ID, Y_ID];
    const codex = (over: Partial<TerminalRecord>) =>
      terminal({ provider: 'codex', createdAt: '2026-12-05T07:46:27.000Z', ...over });
    const first = await service(place).read(codex({ id: 'aaaa1111' }));
    expect(first?.path).toContain(firstId);
    expect(recorded['aaaa1111']).toBe(firstId);
    // a restarted server knows nothing of what was taken: the recorded id decides
    const again = service(place);
    const second = await again.read(codex({ id: 'bbbb2222', conversationId: secondId }));
    expect(second?.path).toContain(secondId);
    expect(recorded['bbbb2222']).toBeUndefined();
  });

  it("gives a handoff's worker its own log, not its supervisor's started a moment before it", async () => {
    // the supervisor's conversation began 400 ms before its worker was created (the supervisor
    // is mid-turn, waiting for the handoff), and nobody has read the supervisor's log yet
    const pair = codexPair();
    const { place } = hostWith({ [pair.xPath]: pair.x, [pair.yPath]: pair.y });
    const [supId, workerId] = [X_ID, Y_ID];
    const s = service(place);
    const codex = (over: Partial<TerminalRecord>) => terminal({ provider: 'codex', ...over });
    const w = await s.read(codex({ id: 'bbbb2222', createdAt: '2026-12-05T07:46:28.734Z' }));
    expect(w?.path).toContain(workerId);
    const sup = await s.read(codex({ id: 'aaaa1111', createdAt: '2026-12-05T07:46:27.000Z' }));
    expect(sup?.path).toContain(supId);
  });

  describe('two Codex workers started together in one folder', () => {
    // conversation X began first but is B's (its first message is cao's message 2, for B);
    // Y began a second later and is A's (message 1). A was created first.
    const task = (n: number) => `fence please [Handoff from terminal cccc3333 (cao message ${n}).]`;
    const { one, x: X, y: Y, xPath, yPath } = codexPair(task(2), task(1));
    const [xId, yId] = [X_ID, Y_ID];
    const A = terminal({
      id: 'aaaa1111',
      provider: 'codex',
      createdAt: '2026-12-05T07:46:27.000Z',
    });
    const B = terminal({
      id: 'bbbb2222',
      provider: 'codex',
      createdAt: '2026-12-05T07:46:27.100Z',
    });

    it('each gets the conversation whose first message cao typed for it, not the earliest', async () => {
      const { place } = hostWith({ [xPath]: X, [yPath]: Y });
      const s = service(place);
      expect((await s.read(A))?.path).toBe(yPath);
      expect((await s.read(B))?.path).toBe(xPath);
      expect(recorded).toEqual({ aaaa1111: yId, bbbb2222: xId });
    });

    it('one taken by its start before its first message showed is given up once it shows', async () => {
      // B's conversation has begun but holds no message yet; A's has not begun
      const files: Record<string, string> = { [xPath]: one };
      const { place } = hostWith(files);
      const s = service(place);
      expect((await s.read(A))?.path).toBe(xPath);
      files[xPath] = X;
      files[yPath] = Y;
      // B finds its own first (A took it by its start): A must look again, and does
      expect((await s.read(B))?.path).toBe(xPath);
      expect(recorded['aaaa1111']).toBeNull();
      expect((await s.read({ ...A, conversationId: xId }))?.path).toBe(yPath);
      expect(recorded['aaaa1111']).toBe(yId);
    });

    it('A, reading again first, gives up the conversation of B it held and takes its own', async () => {
      const files: Record<string, string> = { [xPath]: one };
      const { place } = hostWith(files);
      const s = service(place);
      expect((await s.read(A))?.path).toBe(xPath);
      files[xPath] = X;
      files[yPath] = Y;
      expect((await s.read({ ...A, conversationId: xId }))?.path).toBe(yPath);
      expect((await s.read(B))?.path).toBe(xPath);
    });
  });

  it("finds a resumed Codex's log in the folder of the day its session began (the id's time)", async () => {
    // a UUIDv7 made 2026-11-20T10:00:00Z; the terminal resuming it is made today
    const id = '01a1f866-0d00-7abc-8def-0123456789ab';
    const file = `/home/dev/.codex/sessions/2026/11/20/rollout-2026-11-20T10-00-00-${id}.jsonl`;
    const { place } = hostWith({ [file]: fixture('codex', 'fence-after-tool.jsonl') });
    const log = await service(place).read(
      terminal({ provider: 'codex', conversationId: id, createdAt: new Date().toISOString() }),
    );
    expect(log?.path).toBe(file);
  });

  it('finds a Copilot log by the session id cao gave the CLI, none without one', async () => {
    const { place } = hostWith({
      '/home/dev/.copilot/session-state/0a0b/events.jsonl': fixture(
        'copilot_cli',
        'fence-after-tool.jsonl',
      ),
    });
    const s = service(place);
    const log = await s.read(terminal({ provider: 'copilot_cli', conversationId: '0a0b' }));
    expect(log?.replies).toHaveLength(2);
    expect(await s.read(terminal({ id: 'x1', provider: 'copilot_cli' }))).toBeUndefined();
  });
});

describe("OpenCode's sessions, read from its SQLite database", () => {
  const data = mkdtempSync(join(tmpdir(), 'cao-opencode-'));
  afterAll(() => rmSync(data, { recursive: true, force: true }));
  const file = join(data, 'opencode', 'opencode.db');
  const sessions = JSON.parse(fixture('opencode_cli', 'sessions.json')) as {
    id: string;
    directory: string;
    time_created: number;
  }[];
  /** A message joined with each of its parts, as OpenCode's `data` columns hold them (JSON). */
  const records = JSON.parse(fixture('opencode_cli', 'fence-after-tool.json')) as {
    message_id: string;
    message: { time: { created: number } };
    part: unknown;
  }[];
  const started = sessions[0]!.time_created;

  /** The tables and columns cao reads, filled from the readable fixture rows: the captured
   *  session, a subagent's under it, and a later one in the same folder. */
  function buildDb(): void {
    mkdirSync(join(data, 'opencode'), { recursive: true });
    const db = openSqlite(file, {}, () => undefined);
    db.exec(
      'CREATE TABLE session (id TEXT PRIMARY KEY, directory TEXT, parent_id TEXT, time_created INTEGER);' +
        'CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER, data TEXT);' +
        'CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT, session_id TEXT, data TEXT);',
    );
    const addSession = db.prepare('INSERT INTO session VALUES (?, ?, ?, ?)');
    const addMessage = db.prepare('INSERT OR IGNORE INTO message VALUES (?, ?, ?, ?)');
    const addPart = db.prepare('INSERT INTO part VALUES (?, ?, ?, ?)');
    const copy = (session: string, prefix: string): void =>
      records.forEach((r, i) => {
        const id = `${prefix}${r.message_id}`;
        addMessage.run(id, session, r.message.time.created, JSON.stringify(r.message));
        if (r.part !== null)
          addPart.run(
            `prt_${String(i).padStart(3, '0')}${prefix}`,
            id,
            session,
            JSON.stringify(r.part),
          );
      });
    for (const s of sessions) {
      addSession.run(s.id, s.directory, null, s.time_created);
      copy(s.id, '');
    }
    addSession.run('ses_sub', sessions[0]!.directory, sessions[0]!.id, started + 10);
    addSession.run('ses_later', sessions[0]!.directory, null, started + 60_000);
    copy('ses_later', 'l');
    db.close();
  }
  buildDb();

  const opencodeHost = (queryDb: Placement['queryDb']): Placement => ({
    ...hostWith({}).place,
    baseEnv: { XDG_DATA_HOME: data },
    ...(queryDb ? { queryDb } : {}),
  });
  const local = async (path: string, sql: string, params: readonly (string | number)[]) =>
    queryReadOnly(path, sql, params);
  const at = (ms: number) => new Date(ms).toISOString();

  it('gives each terminal the first top-level session started in its folder that no other took', async () => {
    const s = service(opencodeHost(local));
    const first = await s.read(
      terminal({ provider: 'opencode_cli', createdAt: at(started - 1000) }),
    );
    expect(first?.path).toBe(`${file}#${sessions[0]!.id}`);
    expect(first?.lastAnswer).toContain('```ts');
    expect(first?.replies).toHaveLength(2);
    const second = await s.read(
      terminal({ id: 'ef56ab78', provider: 'opencode_cli', createdAt: at(started - 500) }),
    );
    expect(second?.path).toBe(`${file}#ses_later`);
    expect(second?.lastAnswer).toBe(first?.lastAnswer);
    const third = await s.read(
      terminal({ id: 'aa00bb11', provider: 'opencode_cli', createdAt: at(started) }),
    );
    expect(third).toBeUndefined();
    // each found session is kept as the terminal's conversation (what a resume continues)
    expect(recorded).toEqual({ ab12cd34: sessions[0]!.id, ef56ab78: 'ses_later' });
  });

  it('reads the session a terminal already has as its conversation (after a restart)', async () => {
    const s = service(opencodeHost(local));
    const log = await s.read(
      terminal({ provider: 'opencode_cli', conversationId: 'ses_later', createdAt: at(0) }),
    );
    expect(log?.path).toBe(`${file}#ses_later`);
    expect(log?.replies).toHaveLength(2);
    expect(recorded).toEqual({});
  });

  it('falls back (no log) where cao cannot open the database, or it is not there', async () => {
    const remote = service(opencodeHost(undefined));
    expect(await remote.read(terminal({ provider: 'opencode_cli' }))).toBeUndefined();
    const elsewhere = service({ ...opencodeHost(local), baseEnv: { XDG_DATA_HOME: '/nowhere' } });
    expect(await elsewhere.read(terminal({ provider: 'opencode_cli' }))).toBeUndefined();
  });
});

describe('ownConversation: which of the conversations started in its folder is a terminal`s', () => {
  const c = (at: number) => ({ at, path: `c${at}` });

  it('is the first started once the terminal existed', () => {
    expect(ownConversation([c(1300), c(900), c(1100)], 1000, false)?.path).toBe('c1100');
  });

  it('is never one started before it here (another agent`s, not read yet)', () => {
    expect(ownConversation([c(900), c(600)], 1000, false)).toBeUndefined();
  });

  it('on a host whose clock may run behind, is the latest started shortly before when none after', () => {
    expect(ownConversation([c(600), c(900)], 1000, true)?.path).toBe('c900');
    expect(ownConversation([c(600), c(1200)], 1000, true)?.path).toBe('c1200');
    expect(ownConversation([], 1000, true)).toBeUndefined();
  });
});
