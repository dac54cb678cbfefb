/**
 * Gemini CLI's chat log: `~/.gemini/tmp/<project>/chats/session-<time>-<id>.jsonl` (or under
 * GEMINI_CLI_HOME), where `<project>` is the working directory's base name made a slug (`-1`,
 * `-2`… when another folder took it; older versions: the sha256 of the path). The first line
 * has the conversation's `sessionId`, `projectHash` (sha256 of the working directory) and
 * `startTime`; a terminal's own is the one whose `sessionId` is the id cao gave it
 * (`--session-id`), else the first one started in its folder after cao created it.
 * Then each message is a line (`type` `user` or `gemini`, written again under the same `id`
 * as it grows: the last line wins), and `{"$set": {"messages": [...]}}` replaces them all.
 * A `gemini` message's `tokens` are one model reply (`input` includes `cached`). Verified on
 * 0.61.0.
 */
import { createHash } from 'node:crypto';
import {
  jsonLines,
  num,
  obj,
  str,
  type LogReply,
  type LogSummary,
  type SessionLog,
} from './log.js';
import { turnsOf, type LogMessage } from './messages.js';

/** Gemini may start a conversation a moment before cao records the terminal. */
const CLOCK_SLACK_MS = 5_000;
/** How many folders sharing one base name are looked in. */
const SLUG_TRIES = 8;

/** The folder name Gemini CLI gives a project under `tmp/` when the name is free. */
export const geminiSlug = (cwd: string): string =>
  (cwd.split('/').filter(Boolean).at(-1) ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '') || 'project';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The text of a user message's parts; undefined for tool results and injected context. */
function userText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.map(obj);
  if (parts.some((p) => p['functionResponse'] !== undefined)) return undefined;
  const text = parts
    .map((p) => str(p['text']))
    .filter((t) => t !== undefined)
    .join('');
  return text.startsWith('<session_context>') ? undefined : text;
}

export function parseGeminiLog(text: string): LogSummary {
  const messages = new Map<string, Record<string, unknown>>();
  for (const line of jsonLines(text)) {
    const set = obj(line['$set']);
    if (Array.isArray(set['messages'])) {
      messages.clear();
      for (const m of set['messages'].map(obj)) messages.set(str(m['id']) ?? '', m);
    }
    const id = str(line['id']);
    if (id !== undefined && str(line['type']) !== undefined) messages.set(id, line);
  }
  const replies: LogReply[] = [];
  const log: LogMessage[] = [];
  for (const m of messages.values()) {
    const type = m['type'];
    if (type === 'user') {
      const prompt = userText(m['content']);
      if (prompt !== undefined && prompt.trim() !== '') log.push({ kind: 'prompt', text: prompt });
    } else if (type === 'gemini') {
      const t = obj(m['tokens']);
      const cached = num(t['cached']);
      replies.push({
        at: str(m['timestamp']),
        model: str(m['model']),
        usage: {
          input: Math.max(0, num(t['input']) - cached) + num(t['tool']),
          output: num(t['output']) + num(t['thoughts']),
          cacheRead: cached,
          cacheWrite: 0,
        },
      });
      const calls = Array.isArray(m['toolCalls']) ? m['toolCalls'].length : 0;
      const content = str(m['content']) ?? '';
      // a reply that calls tools goes on; one with text alone ends the turn
      if (calls === 0 && content !== '') log.push({ kind: 'answer', text: content });
    } else if (type === 'error') {
      log.push({ kind: 'end' });
    }
  }
  return { ...turnsOf(log), replies };
}

export const geminiLog: SessionLog = {
  dirs: (ctx) => {
    const base = `${ctx.env['GEMINI_CLI_HOME'] || ctx.home}/.gemini/tmp`;
    const slug = geminiSlug(ctx.workingDirectory);
    const names = [slug];
    for (let i = 1; i < SLUG_TRIES; i++) names.push(`${slug}-${i}`);
    names.push(sha256(ctx.workingDirectory));
    return names.map((n) => `${base}/${n}/chats`);
  },
  startedBy: (head, ctx) => {
    const first = jsonLines(head.split('\n')[0] ?? '')[0];
    if (!first || first['projectHash'] !== sha256(ctx.workingDirectory)) return undefined;
    const at = Date.parse(str(first['startTime']) ?? '');
    // the id cao gave it (--session-id) names it exactly, even when another Gemini agent in
    // the same folder started its conversation a moment before this terminal was made
    if (ctx.conversationId) return first['sessionId'] === ctx.conversationId ? at : undefined;
    return at >= ctx.createdAtMs - CLOCK_SLACK_MS ? at : undefined;
  },
  parse: parseGeminiLog,
};
