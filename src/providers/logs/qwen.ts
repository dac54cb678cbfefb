/**
 * Qwen Code's chat log: `~/.qwen/projects/<cwd, every non-alphanumeric as '-'>/chats/<session
 * id>.jsonl` (under QWEN_RUNTIME_DIR or QWEN_HOME when set). cao starts each terminal with
 * `--session-id <uuid>` (providers/qwen-cli.ts), so the file is the terminal's own by its name.
 * Lines: `user` (a prompt: `message.parts` text), `assistant` (one model reply: its `parts`,
 * text or `functionCall`, and `usageMetadata`, whose `promptTokenCount` includes
 * `cachedContentTokenCount`), `tool_result`, and `system` records. Verified on 0.24.4.
 */
import { projectDirName } from './claude.js';
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

const partsOf = (line: Record<string, unknown>): Record<string, unknown>[] => {
  const parts = obj(line['message'])['parts'];
  return Array.isArray(parts) ? parts.map(obj) : [];
};

/** The text of the parts that are text (not thoughts). */
const textOf = (parts: Record<string, unknown>[]): string =>
  parts
    .filter((p) => p['thought'] !== true)
    .map((p) => str(p['text']) ?? '')
    .join('');

export function parseQwenLog(text: string): LogSummary {
  const replies: LogReply[] = [];
  const log: LogMessage[] = [];
  for (const line of jsonLines(text)) {
    const parts = partsOf(line);
    if (line['type'] === 'user') {
      const prompt = textOf(parts);
      if (prompt.trim() !== '') log.push({ kind: 'prompt', text: prompt });
    } else if (line['type'] === 'assistant') {
      const u = obj(line['usageMetadata']);
      const cached = num(u['cachedContentTokenCount']);
      replies.push({
        at: str(line['timestamp']),
        model: str(line['model']),
        usage: {
          input: Math.max(0, num(u['promptTokenCount']) - cached),
          output: num(u['candidatesTokenCount']) + num(u['thoughtsTokenCount']),
          cacheRead: cached,
          cacheWrite: 0,
        },
      });
      const answer = textOf(parts);
      // a reply that calls tools goes on; one with text alone ends the turn
      if (!parts.some((p) => p['functionCall'] !== undefined) && answer !== '')
        log.push({ kind: 'answer', text: answer });
    }
  }
  return { ...turnsOf(log), replies };
}

export const qwenLog: SessionLog = {
  dirs: (ctx) => {
    const base = ctx.env['QWEN_RUNTIME_DIR'] || ctx.env['QWEN_HOME'] || `${ctx.home}/.qwen`;
    return [`${base}/projects/${projectDirName(ctx.workingDirectory)}/chats`];
  },
  fileName: (ctx) => (ctx.conversationId ? `${ctx.conversationId}.jsonl` : undefined),
  parse: parseQwenLog,
};
