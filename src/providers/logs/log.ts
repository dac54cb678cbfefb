/**
 * What cao reads from an agent CLI's own session log: the last answer exactly as the model
 * wrote it (Markdown included) and the tokens each model reply used. One file per CLI beside
 * this one; each is pure: where the log may be (from the terminal's facts) and what its text
 * says. Reading files is the core's job (core/transcripts.ts), through the host seam.
 */

/** Tokens of one model reply or a sum of them. `input` excludes tokens read from the cache. */
export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export const ZERO_USAGE: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

export const addUsage = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  input: a.input + b.input,
  output: a.output + b.output,
  cacheRead: a.cacheRead + b.cacheRead,
  cacheWrite: a.cacheWrite + b.cacheWrite,
});

export const totalTokens = (u: TokenUsage): number =>
  u.input + u.output + u.cacheRead + u.cacheWrite;

/** One model reply as the log records it. */
export interface LogReply {
  /** ISO time, when the log has one. */
  at?: string | undefined;
  model?: string | undefined;
  usage: TokenUsage;
  /** USD, when the CLI reports cost: what it added since its previous report, put on the
   *  reply before the report. */
  costUsd?: number | undefined;
}

/** What one session log says. */
export interface LogSummary {
  /** The text of the latest finished turn's answer; undefined when there is none yet. */
  lastAnswer: string | undefined;
  /** A user message came after the latest answer and its turn has not ended. */
  turnOpen: boolean;
  /** The text of the latest user message (what started the latest turn), as the log has it. */
  lastPrompt?: string | undefined;
  /** Each model reply, in order (usage per turn and totals are sums of these). */
  replies: LogReply[];
  /** Cost in USD when the CLI itself reports it (Claude Code), for the whole log. */
  costUsd?: number | undefined;
}

/** The facts about a terminal a log is found by. */
export interface LogContext {
  terminalId: string;
  /** The home directory of the user the agent runs as, where it runs. */
  home: string;
  /** Environment the agent was started with (CLAUDE_CONFIG_DIR, CODEX_HOME). */
  env: Readonly<Record<string, string | undefined>>;
  /** cao's private folder where the agent runs (CAO_HOME/tmp there), for a CLI whose home
   *  cao stands in for (Kimi Code's, see HomeOverlay). */
  tmpDir?: string | undefined;
  workingDirectory: string;
  /** When cao created the terminal (ms since the epoch). */
  createdAtMs: number;
  /** The conversation id cao gave the CLI at launch (providers' `conversationArgs`), if any. */
  conversationId?: string | undefined;
}

/** Where a CLI keeps its logs and how to tell which one is a terminal's own. */
export interface SessionLog {
  /** Folders to look in, most likely first. */
  dirs(ctx: LogContext): string[];
  /** The file that is this terminal's by its name alone (a session id cao gave the CLI), a
   *  path below one of `dirs`; undefined when cao gave it none. */
  fileName?(ctx: LogContext): string | undefined;
  /** Otherwise, for a CLI that lists its conversations in one file: that file's path. */
  index?(ctx: LogContext): string;
  /** The logs that index lists for conversations in the terminal's folder (each is then
   *  checked with `startedBy`). */
  fromIndex?(text: string, ctx: LogContext): string[];
  /** Otherwise: from a candidate file's first bytes, whether it is a conversation started in
   *  this terminal's folder at or after its creation; the start time (ms) when it is. */
  startedBy?(head: string, ctx: LogContext): number | undefined;
  /** For a CLI that picks its own conversation id: that id, read from a log's path (what a
   *  resume continues, and what finds the log again after a restart). Pure. */
  idOf?(path: string): string | undefined;
  /** Reads the whole log. */
  parse(text: string): LogSummary;
  /** Instead of files: a CLI that keeps its conversations in a SQLite database (OpenCode). */
  database?: SessionDatabase;
}

/** A read-only query and its parameters. */
export interface DbQuery {
  sql: string;
  params: (string | number)[];
}

/** Where a CLI's conversation database is, and how to find and read a terminal's own there. */
export interface SessionDatabase {
  /** The database file. */
  path(ctx: LogContext): string;
  /** Conversations started in the terminal's folder at or after its creation, earliest first:
   *  rows with `id` (string) and `at` (ms). */
  started(ctx: LogContext): DbQuery;
  /** One conversation's records, in order. */
  records(id: string): DbQuery;
  /** Reads them. */
  parseRows(rows: readonly Record<string, unknown>[]): LogSummary;
}

/** Each line of a JSONL file as an object (lines that are not JSON objects are skipped: a
 *  line being written may be cut). */
export function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // a cut line
    }
  }
  return out;
}

export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
