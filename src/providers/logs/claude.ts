/**
 * Claude Code's session log: `~/.claude/projects/<cwd, every non-alphanumeric as '-'>/<session
 * id>.jsonl` (or under CLAUDE_CONFIG_DIR). cao starts each terminal with `--session-id`, a UUID
 * made from the terminal id, so the file is the terminal's own by its name. Lines: `user` (a
 * prompt, or tool results), `assistant` (one line per content block, each with the whole
 * message's `usage`; the same `message.id`), `system` `turn_duration` when a turn ends, and
 * `cost-state` with the session's `totalCostUSD`. Verified on 2.1.331.
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

/** The session id cao gives Claude Code for a terminal: a UUID (version 4 layout) from its id. */
export function claudeSessionId(terminalId: string): string {
  const h = createHash('sha256').update(`cao-terminal:${terminalId}`).digest('hex');
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The folder name Claude Code gives a working directory under `projects/`. */
export const projectDirName = (cwd: string): string => cwd.replace(/[^A-Za-z0-9]/g, '-');

interface Block {
  type?: string;
  text?: string;
}

/** The text of a prompt the user (or cao) typed; undefined for other lines (tool results,
 *  injected context, side chains). */
function promptText(line: Record<string, unknown>): string | undefined {
  if (line['type'] !== 'user' || line['isSidechain'] === true || line['isMeta'] === true)
    return undefined;
  const content = obj(line['message'])['content'];
  if (typeof content === 'string') return content.trim() === '' ? undefined : content;
  if (!Array.isArray(content)) return undefined;
  const blocks = content as Block[];
  if (blocks.some((b) => b.type === 'tool_result')) return undefined;
  const texts = blocks.filter((b) => b.type === 'text');
  if (texts.length === 0) return undefined;
  return texts.map((b) => b.text ?? '').join('\n');
}

export function parseClaudeLog(text: string): LogSummary {
  const replies = new Map<string, LogReply>();
  let answer: string[] = [];
  let lastAnswer: string | undefined;
  let lastPrompt: string | undefined;
  let turnOpen = false;
  let costUsd: number | undefined;
  let reported = 0;
  for (const line of jsonLines(text)) {
    const type = line['type'];
    if (type === 'cost-state') {
      const total = num(line['totalCostUSD']);
      // the CLI's running total for its process: a restarted CLI (--resume) starts from 0
      const delta = total >= reported ? total - reported : total;
      reported = total;
      costUsd = (costUsd ?? 0) + delta;
      const last = [...replies.values()].at(-1);
      if (last) last.costUsd = (last.costUsd ?? 0) + delta;
      continue;
    }
    const prompt = promptText(line);
    if (prompt !== undefined) {
      lastPrompt = prompt;
      turnOpen = true;
      answer = [];
      continue;
    }
    if (type === 'system' && line['subtype'] === 'turn_duration' && turnOpen) {
      turnOpen = false;
      // a turn that ended without text (an API error, an interrupt) has no answer here
      lastAnswer = answer.length > 0 ? answer.join('\n\n') : undefined;
      continue;
    }
    if (type !== 'assistant') continue;
    const m = obj(line['message']);
    const u = obj(m['usage']);
    const id = str(m['id']) ?? str(line['uuid']) ?? String(replies.size);
    // the last line of a message carries its final counts
    replies.set(id, {
      ...replies.get(id),
      at: str(line['timestamp']),
      model: str(m['model']),
      usage: {
        input: num(u['input_tokens']),
        output: num(u['output_tokens']),
        cacheRead: num(u['cache_read_input_tokens']),
        cacheWrite: num(u['cache_creation_input_tokens']),
      },
    });
    if (line['isSidechain'] === true || m['model'] === '<synthetic>') continue;
    const content = Array.isArray(m['content']) ? (m['content'] as Block[]) : [];
    const texts = content.filter((b) => b.type === 'text' && b.text).map((b) => b.text as string);
    // the answer is the text of the turn's last message that has text
    if (texts.length > 0) answer = [texts.join('\n\n')];
    if (m['stop_reason'] === 'end_turn' && answer.length > 0) {
      lastAnswer = answer.join('\n\n');
      turnOpen = false;
    }
  }
  return { lastAnswer, turnOpen, lastPrompt, replies: [...replies.values()], costUsd };
}

export const claudeLog: SessionLog = {
  dirs: (ctx) => {
    const base = ctx.env['CLAUDE_CONFIG_DIR'] || `${ctx.home}/.claude`;
    return [`${base}/projects/${projectDirName(ctx.workingDirectory)}`];
  },
  fileName: (ctx) => `${claudeSessionId(ctx.terminalId)}.jsonl`,
  parse: parseClaudeLog,
};
