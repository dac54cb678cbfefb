/**
 * The SQLite store (better-sqlite3, WAL). With sqlite-open.ts the only user of better-sqlite3:
 * switching to `node:sqlite` (Node ≥ 22.13) or another database touches store/ alone.
 *
 * A database file deleted or replaced while the server runs would otherwise go on taking
 * writes into a file nobody can open again (the old inode), and everything would be gone at
 * the next start. Every write first compares the file's device and inode with the ones opened
 * (one stat, a few microseconds); on a mismatch the write fails and `onLost` tells the server,
 * which stops (the agents keep running in tmux; the next server adopts them from tmux).
 */
import { chmodSync, existsSync, statSync } from 'node:fs';
import type { Status } from '../providers/provider.js';
import { CaoError } from '../lib/errors.js';
import { MIGRATIONS } from './migrations.js';
import { openSqlite, type SqliteDb } from './sqlite-open.js';
import type {
  FlowOutcome,
  FlowPatch,
  FlowRecord,
  FlowRunRecord,
  FlowTrigger,
  MessageFilter,
  MessagePatch,
  MessageRecord,
  MessageState,
  NewFlowRun,
  NewMessage,
  OrchestrationType,
  SessionRecord,
  Store,
  TerminalPatch,
  TerminalRecord,
  HostRecord,
  WorktreeRecord,
  ResumableTerminal,
  TurnUsageRecord,
  BudgetRecord,
} from './store.js';

type Row = Record<string, unknown>;

export interface SqliteStoreOptions {
  /** Called once, when a write finds the database file deleted or replaced. */
  onLost?: (error: CaoError) => void;
}

export class SqliteStore implements Store {
  readonly db: SqliteDb;
  /** Device and inode of the file opened (undefined in memory). */
  private readonly identity: { dev: number; ino: number } | undefined;
  private lost: CaoError | undefined;

  /**
   * Opens (and migrates) the database at `file`, or an in-memory one for ':memory:'. Throws
   * a CaoError naming the file and what to do when it is not a database, and one naming the
   * Node version when better-sqlite3 was built for another.
   */
  constructor(
    private readonly file: string,
    private readonly options: SqliteStoreOptions = {},
  ) {
    this.db = openSqlite(file, {}, (db) => {
      if (file !== ':memory:') {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        for (const f of [file, `${file}-wal`, `${file}-shm`]) {
          if (existsSync(f)) chmodSync(f, 0o600);
        }
      }
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      this.migrate(db);
    });
    if (file !== ':memory:') {
      const st = statSync(file);
      this.identity = { dev: st.dev, ino: st.ino };
    }
  }

  /** Throws (and reports once) when the file is no longer the one this store opened. */
  private guard(): void {
    if (this.lost) throw this.lost;
    if (!this.identity) return;
    let st: { dev: number; ino: number } | undefined;
    try {
      st = statSync(this.file);
    } catch {
      st = undefined;
    }
    if (st && st.dev === this.identity.dev && st.ino === this.identity.ino) return;
    this.lost = new CaoError(
      'UNAVAILABLE',
      `The database ${this.file} was ${st ? 'replaced' : 'deleted'} while cao-server was running; nothing more is written to it. ` +
        'cao-server stops; the agents keep running in tmux, and the next cao-server finds them there again.',
    );
    this.options.onLost?.(this.lost);
    throw this.lost;
  }

  private migrate(db: SqliteDb): void {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v] ?? '');
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async insertSession(s: SessionRecord): Promise<void> {
    this.guard();
    this.db
      .prepare(
        'INSERT INTO sessions (name, working_directory, env, created_at) VALUES (?, ?, ?, ?)',
      )
      .run(s.name, s.workingDirectory, JSON.stringify(s.env), s.createdAt);
    return Promise.resolve();
  }

  async getSession(name: string): Promise<SessionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM sessions WHERE name = ?').get(name) as
      Row | undefined;
    return Promise.resolve(row ? toSession(row) : undefined);
  }

  async listSessions(): Promise<SessionRecord[]> {
    const rows = this.db.prepare('SELECT * FROM sessions ORDER BY created_at').all() as Row[];
    return Promise.resolve(rows.map(toSession));
  }

  async deleteSession(name: string): Promise<void> {
    this.guard();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM terminals WHERE tmux_session = ?').run(name);
      this.db.prepare('DELETE FROM sessions WHERE name = ?').run(name);
    })();
    return Promise.resolve();
  }

  async insertTerminal(t: TerminalRecord): Promise<void> {
    this.guard();
    this.db
      .prepare(
        `INSERT INTO terminals (id, tmux_session, tmux_window, provider, agent_profile, working_directory,
           allowed_tools, caller_id, model, status, mcp_expected, mcp_ready_at, ready_at, created_at, last_active,
           token_hash, host, pane_id, window_id, conversation_id)
         VALUES (@id, @session, @windowName, @provider, @agentProfile, @workingDirectory,
           @allowedTools, @callerId, @model, @status, @mcpExpected, @mcpReadyAt, @readyAt, @createdAt, @lastActive,
           @tokenHash, @host, @paneId, @windowId, @conversationId)`,
      )
      .run({
        ...t,
        conversationId: t.conversationId ?? null,
        allowedTools: t.allowedTools === null ? null : JSON.stringify(t.allowedTools),
        mcpExpected: t.mcpExpected ? 1 : 0,
      });
    return Promise.resolve();
  }

  async getTerminal(id: string): Promise<TerminalRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM terminals WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(row ? toTerminal(row) : undefined);
  }

  async terminalByTokenHash(tokenHash: string): Promise<TerminalRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM terminals WHERE token_hash = ?').get(tokenHash) as
      Row | undefined;
    return row ? toTerminal(row) : undefined;
  }

  async listTerminals(filter: { session?: string } = {}): Promise<TerminalRecord[]> {
    const rows = (
      filter.session === undefined
        ? this.db.prepare('SELECT * FROM terminals ORDER BY created_at, rowid').all()
        : this.db
            .prepare('SELECT * FROM terminals WHERE tmux_session = ? ORDER BY created_at, rowid')
            .all(filter.session)
    ) as Row[];
    return Promise.resolve(rows.map(toTerminal));
  }

  async updateTerminal(id: string, patch: TerminalPatch): Promise<void> {
    this.guard();
    const cols: Record<keyof TerminalPatch, string> = {
      status: 'status',
      lastActive: 'last_active',
      windowName: 'tmux_window',
      mcpReadyAt: 'mcp_ready_at',
      readyAt: 'ready_at',
      paneId: 'pane_id',
      windowId: 'window_id',
      conversationId: 'conversation_id',
    };
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [
      keyof TerminalPatch,
      string,
    ][];
    if (entries.length > 0) {
      const sets = entries.map(([k]) => `${cols[k]} = ?`).join(', ');
      this.db
        .prepare(`UPDATE terminals SET ${sets} WHERE id = ?`)
        .run(...entries.map(([, v]) => v), id);
    }
    return Promise.resolve();
  }

  async deleteTerminal(id: string): Promise<void> {
    this.guard();
    this.db.prepare('DELETE FROM terminals WHERE id = ?').run(id);
    return Promise.resolve();
  }

  async insertMessage(m: NewMessage, now: string): Promise<MessageRecord> {
    this.guard();
    const row = this.db
      .prepare(
        `INSERT INTO inbox (sender_id, receiver_id, message, orchestration_type, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'pending', ?, ?) RETURNING *`,
      )
      .get(m.senderId, m.receiverId, m.message, m.orchestrationType, now, now) as Row;
    return Promise.resolve(toMessage(row));
  }

  async getMessage(id: number): Promise<MessageRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM inbox WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(row ? toMessage(row) : undefined);
  }

  async listMessages(f: MessageFilter, oldestFirst = false): Promise<MessageRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.receiverId !== undefined) {
      where.push('receiver_id = ?');
      args.push(f.receiverId);
    }
    if (f.senderId !== undefined) {
      where.push('sender_id = ?');
      args.push(f.senderId);
    }
    if (f.states && f.states.length > 0) {
      where.push(`status IN (${f.states.map(() => '?').join(', ')})`);
      args.push(...f.states);
    }
    if (f.types && f.types.length > 0) {
      where.push(`orchestration_type IN (${f.types.map(() => '?').join(', ')})`);
      args.push(...f.types);
    }
    const sql = `SELECT * FROM inbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id ${oldestFirst ? 'ASC' : 'DESC'} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, f.limit ?? 100) as Row[];
    return Promise.resolve(rows.map(toMessage));
  }

  async headMessage(receiverId: string): Promise<MessageRecord | undefined> {
    const row = this.db
      .prepare(
        `SELECT * FROM inbox WHERE receiver_id = ? AND status IN ('pending', 'submitting') ORDER BY id LIMIT 1`,
      )
      .get(receiverId) as Row | undefined;
    return Promise.resolve(row ? toMessage(row) : undefined);
  }

  async receiversWithQueue(): Promise<string[]> {
    const rows = this.db
      .prepare(`SELECT DISTINCT receiver_id FROM inbox WHERE status IN ('pending', 'submitting')`)
      .all() as Row[];
    return Promise.resolve(rows.map((r) => String(r['receiver_id'])));
  }

  async transitionMessage(
    id: number,
    from: MessageState[],
    patch: MessagePatch,
    now: string,
  ): Promise<boolean> {
    this.guard();
    const cols: Record<keyof MessagePatch, string> = {
      state: 'status',
      attempts: 'attempts',
      error: 'error',
      deliveredAt: 'delivered_at',
      nextAttemptAt: 'next_attempt_at',
    };
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [
      keyof MessagePatch,
      unknown,
    ][];
    const sets = [...entries.map(([k]) => `${cols[k]} = ?`), 'updated_at = ?'].join(', ');
    const r = this.db
      .prepare(
        `UPDATE inbox SET ${sets} WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
      )
      .run(...entries.map(([, v]) => v), now, id, ...from);
    return Promise.resolve(r.changes === 1);
  }

  async upsertHost(h: HostRecord): Promise<void> {
    this.guard();
    this.db
      .prepare(
        `INSERT OR REPLACE INTO hosts (name, destination, max_agents, labels, home, remote_port, created_at)
         VALUES (@name, @destination, @maxAgents, @labels, @home, @remotePort, @createdAt)`,
      )
      .run({ ...h, labels: JSON.stringify(h.labels) });
  }

  async getHost(name: string): Promise<HostRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM hosts WHERE name = ?').get(name) as Row | undefined;
    return row ? toHost(row) : undefined;
  }

  async listHosts(): Promise<HostRecord[]> {
    return (this.db.prepare('SELECT * FROM hosts ORDER BY name').all() as Row[]).map(toHost);
  }

  async deleteHost(name: string): Promise<void> {
    this.guard();
    this.db.prepare('DELETE FROM hosts WHERE name = ?').run(name);
  }

  async saveResumable(rows: ResumableTerminal[]): Promise<void> {
    this.guard();
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO resumable_terminals (terminal_id, session, agent_profile, provider,
         working_directory, model, allowed_tools, caller_id, host, conversation_id, session_env,
         created_at, ended_at, reason)
       VALUES (@terminalId, @session, @agentProfile, @provider, @workingDirectory, @model,
         @allowedTools, @callerId, @host, @conversationId, @sessionEnv, @createdAt, @endedAt, @reason)`,
    );
    this.db.transaction(() => {
      for (const r of rows) {
        insert.run({
          ...r,
          allowedTools: r.allowedTools === null ? null : JSON.stringify(r.allowedTools),
          sessionEnv: JSON.stringify(r.sessionEnv),
        });
      }
    })();
  }

  async listResumable(session?: string): Promise<ResumableTerminal[]> {
    const rows = (
      session === undefined
        ? this.db
            .prepare(
              `SELECT r.* FROM resumable_terminals r
               JOIN (SELECT session, MIN(created_at) AS first FROM resumable_terminals GROUP BY session) s
               ON s.session = r.session ORDER BY s.first, r.session, r.created_at, r.terminal_id`,
            )
            .all()
        : this.db
            .prepare(
              'SELECT * FROM resumable_terminals WHERE session = ? ORDER BY created_at, terminal_id',
            )
            .all(session)
    ) as Row[];
    return rows.map(toResumable);
  }

  async deleteResumable(terminalIds: string[]): Promise<void> {
    this.guard();
    const del = this.db.prepare('DELETE FROM resumable_terminals WHERE terminal_id = ?');
    this.db.transaction(() => {
      for (const id of terminalIds) del.run(id);
    })();
  }

  async insertWorktree(w: WorktreeRecord): Promise<void> {
    this.guard();
    this.db
      .prepare(
        `INSERT INTO worktrees (terminal_id, session, agent_profile, branch, path, repo, base_commit, created_at)
         VALUES (@terminalId, @session, @agentProfile, @branch, @path, @repo, @baseCommit, @createdAt)`,
      )
      .run(w);
  }

  async getWorktree(terminalId: string): Promise<WorktreeRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM worktrees WHERE terminal_id = ?').get(terminalId) as
      Row | undefined;
    return row ? toWorktree(row) : undefined;
  }

  async listWorktrees(): Promise<WorktreeRecord[]> {
    return (
      this.db.prepare('SELECT * FROM worktrees ORDER BY created_at, terminal_id').all() as Row[]
    ).map(toWorktree);
  }

  async deleteWorktree(terminalId: string): Promise<void> {
    this.guard();
    this.db.prepare('DELETE FROM worktrees WHERE terminal_id = ?').run(terminalId);
  }

  async upsertFlow(f: FlowRecord): Promise<void> {
    this.guard();
    this.db
      .prepare(
        `INSERT OR REPLACE INTO flows (name, file_path, schedule, agent_profile, provider, script,
           enabled, last_run, next_run, created_at)
         VALUES (@name, @filePath, @schedule, @agentProfile, @provider, @script,
           @enabled, @lastRun, @nextRun, @createdAt)`,
      )
      .run({ ...f, enabled: f.enabled ? 1 : 0 });
    return Promise.resolve();
  }

  async getFlow(name: string): Promise<FlowRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM flows WHERE name = ?').get(name) as Row | undefined;
    return Promise.resolve(row ? toFlow(row) : undefined);
  }

  async listFlows(): Promise<FlowRecord[]> {
    const rows = this.db.prepare('SELECT * FROM flows ORDER BY name').all() as Row[];
    return Promise.resolve(rows.map(toFlow));
  }

  async updateFlow(name: string, patch: FlowPatch): Promise<void> {
    this.guard();
    const cols: Record<keyof FlowPatch, string> = {
      enabled: 'enabled',
      lastRun: 'last_run',
      nextRun: 'next_run',
    };
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [
      keyof FlowPatch,
      string | boolean | null,
    ][];
    if (entries.length > 0) {
      const sets = entries.map(([k]) => `${cols[k]} = ?`).join(', ');
      this.db
        .prepare(`UPDATE flows SET ${sets} WHERE name = ?`)
        .run(...entries.map(([, v]) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)), name);
    }
    return Promise.resolve();
  }

  async deleteFlow(name: string): Promise<void> {
    this.guard();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM flow_runs WHERE flow_name = ?').run(name);
      this.db.prepare('DELETE FROM flows WHERE name = ?').run(name);
    })();
    return Promise.resolve();
  }

  async insertFlowRun(r: NewFlowRun): Promise<FlowRunRecord> {
    this.guard();
    const row = this.db
      .prepare(
        `INSERT INTO flow_runs (flow_name, started_at, trigger, outcome, reason, session, terminal_id, message_id)
         VALUES (@flowName, @startedAt, @trigger, @outcome, @reason, @session, @terminalId, @messageId)
         RETURNING *`,
      )
      .get(r) as Row;
    return Promise.resolve(toFlowRun(row));
  }

  async listFlowRuns(flowName: string, limit: number): Promise<FlowRunRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM flow_runs WHERE flow_name = ? ORDER BY id DESC LIMIT ?')
      .all(flowName, limit) as Row[];
    return Promise.resolve(rows.map(toFlowRun));
  }

  async saveTurnUsage(u: TurnUsageRecord): Promise<void> {
    this.guard();
    this.db
      .prepare(
        `INSERT OR REPLACE INTO turn_usage (message_id, terminal_id, session, input_tokens,
           output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, cost_source, replies, started_at, ended_at)
         VALUES (@messageId, @terminalId, @session, @inputTokens, @outputTokens, @cacheReadTokens,
           @cacheWriteTokens, @costUsd, @costSource, @replies, @startedAt, @endedAt)`,
      )
      .run(u);
  }

  async listTurnUsage(terminalId: string, limit: number): Promise<TurnUsageRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM turn_usage WHERE terminal_id = ? ORDER BY message_id DESC LIMIT ?')
      .all(terminalId, limit) as Row[];
    return Promise.resolve(rows.map(toTurnUsage));
  }

  async turnUsageOf(messageIds: number[]): Promise<TurnUsageRecord[]> {
    if (messageIds.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT * FROM turn_usage WHERE message_id IN (${messageIds.map(() => '?').join(', ')})`,
      )
      .all(...messageIds) as Row[];
    return Promise.resolve(rows.map(toTurnUsage));
  }

  async setBudget(b: BudgetRecord): Promise<void> {
    this.guard();
    if (b.maxCostUsd === null && b.maxTokens === null) {
      this.db.prepare('DELETE FROM budgets WHERE terminal_id = ?').run(b.terminalId);
      return;
    }
    this.db
      .prepare(
        `INSERT OR REPLACE INTO budgets (terminal_id, max_cost_usd, max_tokens, updated_at)
         VALUES (@terminalId, @maxCostUsd, @maxTokens, @updatedAt)`,
      )
      .run(b);
  }

  async getBudget(terminalId: string): Promise<BudgetRecord | undefined> {
    const r = this.db.prepare('SELECT * FROM budgets WHERE terminal_id = ?').get(terminalId) as
      Row | undefined;
    return r
      ? {
          terminalId: String(r['terminal_id']),
          maxCostUsd: r['max_cost_usd'] === null ? null : Number(r['max_cost_usd']),
          maxTokens: r['max_tokens'] === null ? null : Number(r['max_tokens']),
          updatedAt: String(r['updated_at']),
        }
      : undefined;
  }

  close(): void {
    this.db.close();
  }
}

function toTurnUsage(r: Row): TurnUsageRecord {
  return {
    messageId: Number(r['message_id']),
    terminalId: String(r['terminal_id']),
    session: String(r['session']),
    inputTokens: Number(r['input_tokens']),
    outputTokens: Number(r['output_tokens']),
    cacheReadTokens: Number(r['cache_read_tokens']),
    cacheWriteTokens: Number(r['cache_write_tokens']),
    costUsd: r['cost_usd'] === null ? null : Number(r['cost_usd']),
    costSource: str(r['cost_source']),
    replies: Number(r['replies']),
    startedAt: String(r['started_at']),
    endedAt: String(r['ended_at']),
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function toHost(r: Row): HostRecord {
  return {
    name: String(r['name']),
    destination: String(r['destination']),
    maxAgents: r['max_agents'] === null ? null : Number(r['max_agents']),
    labels: JSON.parse((r['labels'] as string | null) ?? '{}') as Record<string, string>,
    home: (r['home'] as string | null) ?? null,
    remotePort: r['remote_port'] === null ? null : Number(r['remote_port']),
    createdAt: String(r['created_at']),
  };
}

function toResumable(r: Row): ResumableTerminal {
  const tools = r['allowed_tools'] as string | null;
  return {
    terminalId: String(r['terminal_id']),
    session: String(r['session']),
    agentProfile: str(r['agent_profile']),
    provider: String(r['provider']),
    workingDirectory: str(r['working_directory']),
    model: str(r['model']),
    allowedTools: tools === null ? null : (JSON.parse(tools) as string[]),
    callerId: str(r['caller_id']),
    host: str(r['host']) ?? 'local',
    conversationId: str(r['conversation_id']),
    sessionEnv: JSON.parse((r['session_env'] as string | null) ?? '{}') as Record<string, string>,
    createdAt: String(r['created_at']),
    endedAt: String(r['ended_at']),
    reason: String(r['reason']),
  };
}

function toWorktree(r: Row): WorktreeRecord {
  return {
    terminalId: String(r['terminal_id']),
    session: String(r['session']),
    agentProfile: str(r['agent_profile']),
    branch: String(r['branch']),
    path: String(r['path']),
    repo: String(r['repo']),
    baseCommit: String(r['base_commit']),
    createdAt: String(r['created_at']),
  };
}

function toFlow(r: Row): FlowRecord {
  return {
    name: String(r['name']),
    filePath: String(r['file_path']),
    schedule: String(r['schedule']),
    agentProfile: String(r['agent_profile']),
    provider: String(r['provider']),
    script: str(r['script']),
    enabled: Number(r['enabled']) === 1,
    lastRun: str(r['last_run']),
    nextRun: str(r['next_run']),
    createdAt: String(r['created_at']),
  };
}

function toFlowRun(r: Row): FlowRunRecord {
  return {
    id: Number(r['id']),
    flowName: String(r['flow_name']),
    startedAt: String(r['started_at']),
    trigger: String(r['trigger']) as FlowTrigger,
    outcome: String(r['outcome']) as FlowOutcome,
    reason: str(r['reason']),
    session: str(r['session']),
    terminalId: str(r['terminal_id']),
    messageId: r['message_id'] === null ? null : Number(r['message_id']),
  };
}

function toMessage(r: Row): MessageRecord {
  return {
    id: Number(r['id']),
    senderId: String(r['sender_id']),
    receiverId: String(r['receiver_id']),
    message: String(r['message']),
    orchestrationType: String(r['orchestration_type']) as OrchestrationType,
    state: String(r['status']) as MessageState,
    attempts: Number(r['attempts']),
    error: (r['error'] as string | null) ?? null,
    createdAt: String(r['created_at']),
    updatedAt: String(r['updated_at']),
    deliveredAt: (r['delivered_at'] as string | null) ?? null,
    nextAttemptAt: (r['next_attempt_at'] as string | null) ?? null,
  };
}

function toSession(r: Row): SessionRecord {
  return {
    name: String(r['name']),
    workingDirectory: (r['working_directory'] as string | null) ?? null,
    env: JSON.parse(typeof r['env'] === 'string' ? r['env'] : '{}') as Record<string, string>,
    createdAt: String(r['created_at']),
  };
}

function toTerminal(r: Row): TerminalRecord {
  const tools = r['allowed_tools'] as string | null;
  return {
    id: String(r['id']),
    session: String(r['tmux_session']),
    windowName: String(r['tmux_window']),
    provider: String(r['provider']),
    agentProfile: (r['agent_profile'] as string | null) ?? null,
    workingDirectory: (r['working_directory'] as string | null) ?? null,
    allowedTools: tools === null ? null : (JSON.parse(tools) as string[]),
    callerId: (r['caller_id'] as string | null) ?? null,
    model: (r['model'] as string | null) ?? null,
    status: String(r['status']) as Status,
    mcpExpected: Number(r['mcp_expected']) === 1,
    mcpReadyAt: (r['mcp_ready_at'] as string | null) ?? null,
    readyAt: (r['ready_at'] as string | null) ?? null,
    tokenHash: (r['token_hash'] as string | null) ?? null,
    host: (r['host'] as string | null) ?? 'local',
    paneId: (r['pane_id'] as string | null) ?? null,
    windowId: (r['window_id'] as string | null) ?? null,
    conversationId: str(r['conversation_id']),
    createdAt: String(r['created_at']),
    lastActive: String(r['last_active']),
  };
}
