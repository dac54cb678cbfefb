/**
 * Copilot CLI's session log: `~/.copilot/session-state/<session id>/events.jsonl` (or under
 * COPILOT_HOME). cao starts each terminal with `--session-id <uuid>` (providers/copilot-cli.ts),
 * so the folder is the terminal's own by its name. One event a line (`type`, `data`):
 * `user.message` (`content` as typed), `assistant.message` (`content`, `toolRequests`; one
 * per model reply), `session.usage_record` (one model reply's tokens: `inputTokens` includes
 * `cacheReadTokens`), `session.error`, `abort`. Verified on 1.0.102.
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
import { turnsOf, type LogMessage } from './messages.js';

export function parseCopilotLog(text: string): LogSummary {
  const replies: LogReply[] = [];
  const log: LogMessage[] = [];
  for (const line of jsonLines(text)) {
    const d = obj(line['data']);
    switch (line['type']) {
      case 'user.message': {
        const content = str(d['content']);
        if (content !== undefined && content.trim() !== '')
          log.push({ kind: 'prompt', text: content });
        break;
      }
      case 'assistant.message': {
        const calls = Array.isArray(d['toolRequests']) ? d['toolRequests'].length : 0;
        const content = str(d['content']) ?? '';
        // a sub-agent's messages carry the task they belong to
        if (calls === 0 && content !== '' && d['parentToolCallId'] === undefined)
          log.push({ kind: 'answer', text: content });
        break;
      }
      case 'session.usage_record': {
        const u = obj(d['usage']);
        const cacheRead = num(u['cacheReadTokens']);
        replies.push({
          at: str(line['timestamp']),
          model: str(u['model']),
          usage: {
            input: Math.max(0, num(u['inputTokens']) - cacheRead),
            output: num(u['outputTokens']),
            cacheRead,
            cacheWrite: num(u['cacheWriteTokens']),
          },
        });
        break;
      }
      case 'session.error':
      case 'abort':
        log.push({ kind: 'end' });
        break;
    }
  }
  return { ...turnsOf(log), replies };
}

export const copilotLog: SessionLog = {
  dirs: (ctx) => [`${ctx.env['COPILOT_HOME'] || `${ctx.home}/.copilot`}/session-state`],
  fileName: (ctx) => (ctx.conversationId ? `${ctx.conversationId}/events.jsonl` : undefined),
  parse: parseCopilotLog,
};
