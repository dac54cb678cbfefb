/**
 * Kimi Code's session log ("wire"): `~/.kimi-code/sessions/wd_<folder>_<hash>/session_<id>/
 * agents/main/wire.jsonl` (or under KIMI_CODE_HOME). Kimi picks the id; `session_index.jsonl`
 * beside `sessions/` lists each conversation's `sessionDir` and `workDir`, and the wire's
 * first line (`metadata`) its `created_at` (ms): a terminal's own is the first one started in
 * its folder after cao created it. Lines that matter: `turn.prompt` (what was typed, `input`
 * parts), `agent.message.appended` (a whole message: the assistant's `content` parts and
 * `toolCalls`), `usage.record` (one model reply's tokens: `inputOther` excludes the cache),
 * `llm.request` (the model), `turn.ended`. Verified on 2.1.0.
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

/** Kimi may start a conversation a moment before cao records the terminal. */
const CLOCK_SLACK_MS = 5_000;

const textOf = (parts: unknown): string =>
  (Array.isArray(parts) ? parts.map(obj) : [])
    .filter((p) => p['type'] === 'text')
    .map((p) => str(p['text']) ?? '')
    .join('');

export function parseKimiLog(text: string): LogSummary {
  const replies: LogReply[] = [];
  const log: LogMessage[] = [];
  let model: string | undefined;
  for (const line of jsonLines(text)) {
    switch (line['type']) {
      case 'turn.prompt': {
        const prompt = textOf(line['input']);
        if (prompt.trim() !== '') log.push({ kind: 'prompt', text: prompt });
        break;
      }
      case 'agent.message.appended': {
        const m = obj(obj(line['message'])['message']);
        const calls = Array.isArray(m['toolCalls']) ? m['toolCalls'].length : 0;
        const answer = textOf(m['content']);
        if (m['role'] === 'assistant' && calls === 0 && answer !== '')
          log.push({ kind: 'answer', text: answer });
        break;
      }
      case 'llm.request':
        model = str(line['model']) ?? model;
        break;
      case 'usage.record': {
        const u = obj(line['usage']);
        replies.push({
          at: typeof line['time'] === 'number' ? new Date(line['time']).toISOString() : undefined,
          model,
          usage: {
            input: num(u['inputOther']),
            output: num(u['output']),
            cacheRead: num(u['inputCacheRead']),
            cacheWrite: num(u['inputCacheCreation']),
          },
        });
        break;
      }
      case 'turn.ended':
        log.push({ kind: 'end' });
        break;
    }
  }
  return { ...turnsOf(log), replies };
}

/** The folder under cao's tmp that stands in for Kimi's home (providers/kimi-cli.ts). */
export const KIMI_OVERLAY_DIR = 'kimi-code-home';

const home = (env: Readonly<Record<string, string | undefined>>, userHome: string): string =>
  env['KIMI_CODE_HOME'] || `${userHome}/.kimi-code`;

export const kimiLog: SessionLog = {
  dirs: () => [],
  index: (ctx) => `${home(ctx.env, ctx.home)}/session_index.jsonl`,
  fromIndex: (text, ctx) => {
    const root = `${home(ctx.env, ctx.home)}/sessions/`;
    // a Kimi that cao started with its stand-in home records the session through that folder,
    // whose `sessions` is a link to the user's: read it at the user's
    const overlay = ctx.tmpDir ? `${ctx.tmpDir}/${KIMI_OVERLAY_DIR}/sessions/` : undefined;
    return jsonLines(text)
      .filter((e) => e['workDir'] === ctx.workingDirectory)
      .map((e) => str(e['sessionDir']) ?? '')
      .map((dir) => (overlay && dir.startsWith(overlay) ? root + dir.slice(overlay.length) : dir))
      .filter((dir) => dir.startsWith(root) && !dir.includes('/../'))
      .map((dir) => `${dir}/agents/main/wire.jsonl`);
  },
  startedBy: (head, ctx) => {
    const first = jsonLines(head.split('\n')[0] ?? '')[0];
    if (!first || first['type'] !== 'metadata') return undefined;
    const at = num(first['created_at']);
    return at > 0 && at >= ctx.createdAtMs - CLOCK_SLACK_MS ? at : undefined;
  },
  // `<sessions>/<folder>/session_<uuid>/agents/main/wire.jsonl`: Kimi's session id
  idOf: (path) => /\/(session_[\w-]+)\/agents\/main\/wire\.jsonl$/.exec(path)?.[1],
  parse: parseKimiLog,
};
