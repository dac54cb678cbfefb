/**
 * Codex's session log ("rollout"): `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`
 * (or under CODEX_HOME). The first line is `session_meta` with the conversation's `cwd` and
 * start `timestamp`; a terminal's own is the first one started in its folder after cao created
 * it (core/transcripts.ts keeps one log per terminal). Lines that matter: `event_msg`
 * `task_started` / `task_complete` (with `last_agent_message`), `response_item` messages, and
 * `token_count` events whose `last_token_usage` is one model reply (`input_tokens` includes
 * `cached_input_tokens`). Verified on 0.169.0.
 */
import {
  jsonLines,
  num,
  obj,
  str,
  type LogReply,
  type LogSummary,
  type SessionLog,
} from './log.js';

/** Codex may start a conversation a moment before cao records the terminal. */
const CLOCK_SLACK_MS = 5_000;

export function parseCodexLog(text: string): LogSummary {
  const replies: LogReply[] = [];
  let lastAnswer: string | undefined;
  let lastPrompt: string | undefined;
  let turnOpen = false;
  let model: string | undefined;
  for (const line of jsonLines(text)) {
    const p = obj(line['payload']);
    if (line['type'] === 'turn_context') model = str(p['model']) ?? model;
    if (line['type'] === 'response_item' && p['type'] === 'message' && p['role'] === 'user') {
      const content = Array.isArray(p['content'])
        ? (p['content'] as Record<string, unknown>[])
        : [];
      const text = content
        .filter((b) => b['type'] === 'input_text' && typeof b['text'] === 'string')
        .map((b) => b['text'] as string)
        .join('\n');
      if (text !== '') lastPrompt = text;
    }
    if (line['type'] !== 'event_msg') continue;
    if (p['type'] === 'task_started') turnOpen = true;
    else if (p['type'] === 'task_complete') {
      turnOpen = false;
      // null when the turn ended without an answer (an error, an interrupt)
      lastAnswer = str(p['last_agent_message']);
    } else if (p['type'] === 'token_count') {
      const u = obj(obj(p['info'])['last_token_usage']);
      if (Object.keys(u).length === 0) continue;
      const cached = num(u['cached_input_tokens']);
      replies.push({
        at: str(line['timestamp']),
        model,
        usage: {
          input: Math.max(0, num(u['input_tokens']) - cached),
          output: num(u['output_tokens']),
          cacheRead: cached,
          cacheWrite: num(u['cache_write_input_tokens']),
        },
      });
    }
  }
  return { lastAnswer, turnOpen, lastPrompt, replies };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The time (ms) in a UUIDv7 (Codex's session ids): when that session started. */
export function uuidV7Time(id: string | undefined): number | undefined {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-/i.exec(id ?? '');
  return m ? parseInt(`${m[1]}${m[2]}`, 16) : undefined;
}

export const codexLog: SessionLog = {
  dirs: (ctx) => {
    const base = `${ctx.env['CODEX_HOME'] || `${ctx.home}/.codex`}/sessions`;
    const out = new Set<string>();
    // folders are named by the local date: the day it was created, either way of UTC, and
    // today; and for a resumed session (Codex goes on writing its old file) the day it began
    const began = uuidV7Time(ctx.conversationId);
    for (const t of [ctx.createdAtMs, Date.now(), ...(began === undefined ? [] : [began])]) {
      for (const shift of [0, -86_400_000, 86_400_000]) {
        const d = new Date(t + shift);
        out.add(`${base}/${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())}`);
        out.add(`${base}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`);
      }
    }
    return [...out];
  },
  startedBy: (head, ctx) => {
    const first = jsonLines(head.split('\n')[0] ?? '')[0];
    if (!first || first['type'] !== 'session_meta') return undefined;
    const p = obj(first['payload']);
    const at = Date.parse(str(p['timestamp']) ?? '');
    if (str(p['cwd']) !== ctx.workingDirectory || !(at >= ctx.createdAtMs - CLOCK_SLACK_MS))
      return undefined;
    return at;
  },
  // `rollout-<time>-<uuid>.jsonl`: the uuid is the session id `codex resume <id>` takes
  idOf: (path) =>
    /\/rollout-[^/]*-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i.exec(
      path,
    )?.[1],
  parse: parseCodexLog,
};
