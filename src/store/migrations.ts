/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Only ever
 * append: a released migration is never edited.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: sessions, terminals, inbox (the delivery ledger: pending → submitting → delivered | failed)
  `
  CREATE TABLE sessions (
    name TEXT PRIMARY KEY,
    working_directory TEXT,
    env TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
  );
  CREATE TABLE terminals (
    id TEXT PRIMARY KEY,
    tmux_session TEXT NOT NULL,
    tmux_window TEXT NOT NULL,
    provider TEXT NOT NULL,
    agent_profile TEXT,
    working_directory TEXT,
    allowed_tools TEXT,
    caller_id TEXT,
    model TEXT,
    status TEXT NOT NULL DEFAULT 'unknown',
    mcp_expected INTEGER NOT NULL DEFAULT 0,
    mcp_ready_at TEXT,
    ready_at TEXT,
    created_at TEXT NOT NULL,
    last_active TEXT NOT NULL
  );
  CREATE INDEX terminals_session ON terminals (tmux_session);
  CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sender_id TEXT NOT NULL,
    receiver_id TEXT NOT NULL,
    message TEXT NOT NULL,
    orchestration_type TEXT NOT NULL DEFAULT 'send_message',
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    delivered_at TEXT,
    next_attempt_at TEXT
  );
  CREATE INDEX inbox_receiver_status ON inbox (receiver_id, status, id);
  `,
  // 2: flows (scheduled sessions) and their run history
  `
  CREATE TABLE flows (
    name TEXT PRIMARY KEY,
    file_path TEXT NOT NULL,
    schedule TEXT NOT NULL,
    agent_profile TEXT NOT NULL,
    provider TEXT NOT NULL,
    script TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    last_run TEXT,
    next_run TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE flow_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    flow_name TEXT NOT NULL,
    started_at TEXT NOT NULL,
    trigger TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    session TEXT,
    terminal_id TEXT,
    message_id INTEGER
  );
  CREATE INDEX flow_runs_name ON flow_runs (flow_name, id);
  `,
  // 3: each terminal's credential for cao's MCP endpoint and API, kept only as a SHA-256 hash
  `
  ALTER TABLE terminals ADD COLUMN token_hash TEXT;
  CREATE UNIQUE INDEX terminals_token_hash ON terminals (token_hash);
  `,
  // 4: hosts (remote machines reached with OpenSSH) and where each terminal runs
  `
  CREATE TABLE hosts (
    name TEXT PRIMARY KEY,
    destination TEXT NOT NULL,
    max_agents INTEGER,
    labels TEXT NOT NULL DEFAULT '{}',
    home TEXT,
    remote_port INTEGER,
    created_at TEXT NOT NULL
  );
  ALTER TABLE terminals ADD COLUMN host TEXT NOT NULL DEFAULT 'local';
  ALTER TABLE terminals ADD COLUMN pane_id TEXT;
  ALTER TABLE terminals ADD COLUMN window_id TEXT;
  `,
  // 5: git worktrees made for workers (`use_worktree`); a row outlives its terminal until the
  // worktree is merged or removed
  `
  CREATE TABLE worktrees (
    terminal_id TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    agent_profile TEXT,
    branch TEXT NOT NULL,
    path TEXT NOT NULL,
    repo TEXT NOT NULL,
    base_commit TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  // 6: each agent CLI's own conversation id (to resume it), and the terminals of sessions that
  // were shut down or lost with their tmux server, kept so the session can be resumed
  `
  ALTER TABLE terminals ADD COLUMN conversation_id TEXT;
  CREATE TABLE resumable_terminals (
    terminal_id TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    agent_profile TEXT,
    provider TEXT NOT NULL,
    working_directory TEXT,
    model TEXT,
    allowed_tools TEXT,
    caller_id TEXT,
    host TEXT NOT NULL DEFAULT 'local',
    conversation_id TEXT,
    session_env TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    reason TEXT NOT NULL
  );
  CREATE INDEX resumable_terminals_session ON resumable_terminals (session, created_at);
  `,
  // 7: usage per turn (tokens and cost of each message's turn, from the CLI's session log) and
  // each terminal's budget (--max-cost, --max-tokens; kept by terminal id, so a resumed terminal
  // keeps it)
  `
  CREATE TABLE turn_usage (
    message_id INTEGER PRIMARY KEY,
    terminal_id TEXT NOT NULL,
    session TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    cost_usd REAL,
    cost_source TEXT,
    replies INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL
  );
  CREATE INDEX turn_usage_terminal ON turn_usage (terminal_id, message_id);
  CREATE TABLE budgets (
    terminal_id TEXT PRIMARY KEY,
    max_cost_usd REAL,
    max_tokens INTEGER,
    updated_at TEXT NOT NULL
  );
  `,
];
