/**
 * OpenCode's sessions: not text files but a SQLite database, `opencode.db` in its data folder
 * (`$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode`; `OPENCODE_DB` names another file,
 * relative to that folder unless absolute). Tables that matter: `session` (`id` ses_…,
 * `directory`, `parent_id` for a subagent's, `time_created` ms), `message` (`data`: JSON with
 * `role`, and for the assistant one model step: `tokens` {input, output, reasoning, cache
 * {read, write}}, `cost`, `modelID`, `finish` ('tool-calls' while the turn goes on), `time.
 * completed`, `error`) and `part` (`data`: `text` with `synthetic` for what OpenCode added
 * itself, `tool`, `reasoning`, `step-finish`). Verified on 1.18.33.
 *
 * Why the database and not `opencode export <id>` (JSON on stdout, also in this version): each
 * export starts OpenCode itself (2.5 to 4 s and about 2 CPU seconds each here, and it migrates
 * the database it opens), while cao reads a terminal's log at every turn end and usage request;
 * finding and reading a session with read-only queries takes about 2 ms. So cao reads the
 * database read-only (`Placement.queryDb`: here directly, on another host with that host's
 * `sqlite3` over ssh) and falls back to the screen where it cannot.
 *
 * OpenCode picks its own session id (`--session` only resumes an existing one: "Session not
 * found" otherwise), so a terminal's own session is the first top-level one started in its
 * folder after the terminal was created that no other terminal has taken.
 */
import { isAbsolute } from 'node:path';
import {
  num,
  obj,
  str,
  type LogContext,
  type LogReply,
  type LogSummary,
  type SessionLog,
} from './log.js';
import { turnsOf, type LogMessage } from './messages.js';

/** OpenCode may start its session a moment before cao records the terminal. */
const CLOCK_SLACK_MS = 5_000;

export function opencodeDbPath(ctx: Pick<LogContext, 'env' | 'home'>): string {
  const data = `${ctx.env['XDG_DATA_HOME'] || `${ctx.home}/.local/share`}/opencode`;
  const named = ctx.env['OPENCODE_DB'];
  if (named && named !== ':memory:') return isAbsolute(named) ? named : `${data}/${named}`;
  return `${data}/opencode.db`;
}

const json = (v: unknown): Record<string, unknown> => {
  if (typeof v !== 'string') return obj(v);
  try {
    return obj(JSON.parse(v));
  } catch {
    return {};
  }
};

interface Message {
  info: Record<string, unknown>;
  parts: Record<string, unknown>[];
}

/** Rows of `records` (a message joined with each of its parts) as messages, in order. */
function messagesOf(rows: readonly Record<string, unknown>[]): Message[] {
  const out: Message[] = [];
  let current: { id: unknown; m: Message } | undefined;
  for (const row of rows) {
    if (!current || current.id !== row['message_id']) {
      current = { id: row['message_id'], m: { info: json(row['message']), parts: [] } };
      out.push(current.m);
    }
    if (row['part'] !== null && row['part'] !== undefined) current.m.parts.push(json(row['part']));
  }
  return out;
}

/** The text parts the model (or the user) wrote, not those OpenCode added. */
const textOf = (parts: readonly Record<string, unknown>[]): string =>
  parts
    .filter((p) => p['type'] === 'text' && p['synthetic'] !== true && p['ignored'] !== true)
    .map((p) => str(p['text']) ?? '')
    .join('');

export function parseOpenCodeRows(rows: readonly Record<string, unknown>[]): LogSummary {
  const replies: LogReply[] = [];
  const log: LogMessage[] = [];
  for (const { info, parts } of messagesOf(rows)) {
    if (info['role'] === 'user') {
      const prompt = textOf(parts);
      if (prompt.trim() !== '') log.push({ kind: 'prompt', text: prompt });
      continue;
    }
    if (info['role'] !== 'assistant') continue;
    const t = obj(info['tokens']);
    const cache = obj(t['cache']);
    const usage = {
      input: num(t['input']),
      output: num(t['output']) + num(t['reasoning']),
      cacheRead: num(cache['read']),
      cacheWrite: num(cache['write']),
    };
    const time = obj(info['time']);
    // a step still running has no tokens yet; a failed request none at all
    if (usage.input + usage.output + usage.cacheRead + usage.cacheWrite > 0) {
      const cost = num(info['cost']);
      replies.push({
        at: num(time['created']) > 0 ? new Date(num(time['created'])).toISOString() : undefined,
        model: str(info['modelID']),
        usage,
        // OpenCode prices from its model list; 0 means it had no price, not that it was free
        costUsd: cost > 0 ? cost : undefined,
      });
    }
    if (info['error'] !== undefined) {
      log.push({ kind: 'end' });
      continue;
    }
    const done = num(time['completed']) > 0 && info['finish'] !== 'tool-calls';
    const answer = textOf(parts);
    if (done && answer !== '') log.push({ kind: 'answer', text: answer });
  }
  return { ...turnsOf(log), replies };
}

/** `parse` over the rows as JSON text (the fixtures' form). */
function parseRowsText(text: string): LogSummary {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    rows = [];
  }
  return parseOpenCodeRows(Array.isArray(rows) ? rows.map(obj) : []);
}

export const opencodeLog: SessionLog = {
  dirs: () => [],
  parse: parseRowsText,
  database: {
    path: opencodeDbPath,
    started: (ctx) => ({
      sql:
        'SELECT id, time_created AS at FROM session WHERE directory = ? AND parent_id IS NULL ' +
        'AND time_created >= ? ORDER BY time_created, id',
      params: [ctx.workingDirectory, ctx.createdAtMs - CLOCK_SLACK_MS],
    }),
    records: (id) => ({
      sql:
        'SELECT m.id AS message_id, m.data AS message, p.data AS part FROM message m ' +
        'LEFT JOIN part p ON p.message_id = m.id WHERE m.session_id = ? ' +
        'ORDER BY m.time_created, m.id, p.id',
      params: [id],
    }),
    parseRows: parseOpenCodeRows,
  },
};
