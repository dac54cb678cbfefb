import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeLog, claudeSessionId, parseClaudeLog, projectDirName } from './claude.js';
import { codexLog, parseCodexLog } from './codex.js';
import { geminiLog, geminiSlug, parseGeminiLog } from './gemini.js';
import { copilotLog, parseCopilotLog } from './copilot.js';
import { kimiLog, parseKimiLog } from './kimi.js';
import { opencodeDbPath, opencodeLog, parseOpenCodeRows } from './opencode.js';
import { parseQwenLog, qwenLog } from './qwen.js';
import { addUsage, ZERO_USAGE, type LogContext } from './log.js';

const fixture = (provider: string, name: string): string =>
  readFileSync(
    join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'session-logs', provider, name),
    'utf8',
  );

/** The answer the fake model gave in these captures (test/e2e/transcripts.test.ts). */
const ANSWER = [
  'Here is **the** answer:',
  '',
  '```ts',
  'const x = 1; // FENCED',
  '```',
  '',
  '- one',
  '- two',
].join('\n');

const ctx: LogContext = {
  terminalId: 'ab12cd34',
  home: '/home/dev',
  env: {},
  workingDirectory: '/home/dev/proj',
  createdAtMs: Date.parse('2026-12-05T07:46:20Z'),
};

const sum = (s: { replies: { usage: typeof ZERO_USAGE }[] }) =>
  s.replies.reduce((a, r) => addUsage(a, r.usage), ZERO_USAGE);

describe('Claude Code session log', () => {
  it('reads the last answer exactly, Markdown and code fence included', () => {
    const s = parseClaudeLog(fixture('claude_code', 'fence-after-tool.jsonl'));
    expect(s.lastAnswer).toBe(ANSWER);
    expect(s.turnOpen).toBe(false);
  });

  it('counts each model reply once (a message spans several lines) and reads the cost', () => {
    const s = parseClaudeLog(fixture('claude_code', 'fence-after-tool.jsonl'));
    expect(s.replies).toHaveLength(2);
    expect(sum(s)).toEqual({ input: 240, output: 68, cacheRead: 112, cacheWrite: 14 });
    expect(s.costUsd).toBeCloseTo(0.0024124, 7);
  });

  it('a prompt after the last answer opens a turn; its answer is not there yet', () => {
    const text = fixture('claude_code', 'fence-after-tool.jsonl');
    const next = JSON.stringify({
      type: 'user',
      isSidechain: false,
      message: { role: 'user', content: 'and now?' },
    });
    expect(parseClaudeLog(text).lastPrompt).toContain('CAO-FENCE');
    const s = parseClaudeLog(`${text}${next}\n{"type":"assis`);
    expect(s.turnOpen).toBe(true);
    expect(s.lastAnswer).toBe(ANSWER);
    expect(s.lastPrompt).toBe('and now?');
  });

  it("is found by the session id cao gives the CLI, in the folder of the terminal's directory", () => {
    const id = claudeSessionId('ab12cd34');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(claudeSessionId('ab12cd34')).toBe(id);
    expect(claudeSessionId('ab12cd35')).not.toBe(id);
    expect(projectDirName('/work/a.b/c_d')).toBe('-work-a-b-c-d');
    expect(claudeLog.dirs(ctx)).toEqual(['/home/dev/.claude/projects/-home-dev-proj']);
    expect(claudeLog.dirs({ ...ctx, env: { CLAUDE_CONFIG_DIR: '/cfg' } })).toEqual([
      '/cfg/projects/-home-dev-proj',
    ]);
    expect(claudeLog.fileName?.(ctx)).toBe(`${id}.jsonl`);
  });
});

describe('Codex session log', () => {
  const text = fixture('codex', 'fence-after-tool.jsonl');

  it('reads the last answer exactly', () => {
    const s = parseCodexLog(text);
    expect(s.lastAnswer).toBe(ANSWER);
    expect(s.turnOpen).toBe(false);
    expect(s.lastPrompt).toBe('fence please (CAO-FENCE)');
  });

  it('counts each reply from token_count events, cached input apart', () => {
    const s = parseCodexLog(text);
    expect(s.replies).toHaveLength(2);
    expect(s.replies[0]?.model).toBe('gpt-5');
    expect(sum(s)).toEqual({ input: 240, output: 68, cacheRead: 112, cacheWrite: 0 });
    expect(s.costUsd).toBeUndefined();
  });

  it("is the terminal's own when started in its folder after it was created", () => {
    const head = text.split('\n')[0] ?? '';
    expect(codexLog.startedBy?.(head, ctx)).toBe(Date.parse('2026-12-05T07:46:28.334Z'));
    expect(codexLog.startedBy?.(head, { ...ctx, workingDirectory: '/home/dev/other' })).toBe(
      undefined,
    );
    expect(
      codexLog.startedBy?.(head, { ...ctx, createdAtMs: Date.parse('2026-12-05T08:00:00Z') }),
    ).toBe(undefined);
    expect(codexLog.dirs(ctx)).toContain('/home/dev/.codex/sessions/2026/12/05');
  });
});

describe('Claude Code cost', () => {
  it("puts each cost report's increase on the reply before it, across a restarted CLI", () => {
    const reply = (id: string) =>
      JSON.stringify({
        type: 'assistant',
        timestamp: `2026-12-05T08:00:0${id}Z`,
        message: { id, content: [], usage: { input_tokens: 1, output_tokens: 1 } },
      });
    const cost = (usd: number) => JSON.stringify({ type: 'cost-state', totalCostUSD: usd });
    const s = parseClaudeLog(
      [reply('1'), cost(0.5), reply('2'), cost(0.75), reply('3'), cost(0.25)].join('\n'),
    );
    expect(s.replies.map((r) => r.costUsd)).toEqual([0.5, 0.25, 0.25]);
    expect(s.costUsd).toBe(1);
  });
});

describe('Gemini CLI chat log', () => {
  const text = fixture('gemini_cli', 'fence-after-tool.jsonl');
  const at = { ...ctx, createdAtMs: Date.parse('2026-12-05T17:12:50Z') };

  it('reads the last answer exactly, each message once though written again as it grows', () => {
    const s = parseGeminiLog(text);
    expect(s.lastAnswer).toBe(ANSWER);
    expect(s.turnOpen).toBe(false);
    expect(s.lastPrompt).toBe('fence please (CAO-FENCE)');
    expect(s.replies).toHaveLength(2);
    expect(s.replies[0]?.model).toBe('gemini-3.1-pro-preview');
    expect(sum(s)).toEqual({ input: 240, output: 68, cacheRead: 112, cacheWrite: 0 });
  });

  it('a prompt after the answer opens a turn; a tool call does not end it', () => {
    const prompt = JSON.stringify({ id: 'p2', type: 'user', content: [{ text: 'and now?' }] });
    const call = JSON.stringify({ id: 'g2', type: 'gemini', content: '', toolCalls: [{}] });
    const s = parseGeminiLog(`${text}\n${prompt}\n${call}\n`);
    expect(s).toMatchObject({ turnOpen: true, lastPrompt: 'and now?', lastAnswer: ANSWER });
    const failed = parseGeminiLog(`${text}\n${prompt}\n{"id":"e","type":"error","content":"x"}`);
    expect(failed).toMatchObject({ turnOpen: false, lastAnswer: undefined });
  });

  it("is the terminal's own when started in its folder after it was created", () => {
    const head = text.split('\n')[0] ?? '';
    expect(geminiLog.startedBy?.(head, at)).toBe(Date.parse('2026-12-05T17:12:55.915Z'));
    expect(geminiLog.startedBy?.(head, { ...at, workingDirectory: '/home/dev/other' })).toBe(
      undefined,
    );
    expect(
      geminiLog.startedBy?.(head, { ...at, createdAtMs: Date.parse('2026-12-05T18:00:00Z') }),
    ).toBe(undefined);
    // with the id cao gave it (--session-id), that id alone decides, whenever it started
    const own = { ...at, conversationId: '44eaf684-d211-4892-bb9c-8933a4618010' };
    expect(geminiLog.startedBy?.(head, own)).toBe(Date.parse('2026-12-05T17:12:55.915Z'));
    expect(
      geminiLog.startedBy?.(head, { ...own, createdAtMs: Date.parse('2026-12-05T18:00:00Z') }),
    ).toBe(Date.parse('2026-12-05T17:12:55.915Z'));
    expect(
      geminiLog.startedBy?.(head, {
        ...at,
        conversationId: '5e0c2b9e-0000-4000-8000-000000000000',
      }),
    ).toBe(undefined);
    expect(geminiSlug('/home/dev/My Proj_2')).toBe('my-proj-2');
    const dirs = geminiLog.dirs(ctx);
    expect(dirs[0]).toBe('/home/dev/.gemini/tmp/proj/chats');
    expect(dirs).toContain('/home/dev/.gemini/tmp/proj-1/chats');
    expect(geminiLog.dirs({ ...ctx, env: { GEMINI_CLI_HOME: '/g' } })[0]).toBe(
      '/g/.gemini/tmp/proj/chats',
    );
  });
});

describe('Qwen Code chat log', () => {
  const text = fixture('qwen_cli', 'fence-after-tool.jsonl');

  it("reads the last answer exactly and each reply's tokens, cached input apart", () => {
    const s = parseQwenLog(text);
    expect(s.lastAnswer).toBe(ANSWER);
    expect(s.turnOpen).toBe(false);
    expect(s.lastPrompt).toBe('fence please (CAO-FENCE)');
    expect(s.replies).toHaveLength(2);
    expect(s.replies[0]?.model).toBe('fake-model');
    expect(sum(s)).toEqual({ input: 240, output: 68, cacheRead: 112, cacheWrite: 0 });
  });

  it('a prompt after the answer opens a turn; a tool call does not end it', () => {
    const prompt = JSON.stringify({ type: 'user', message: { parts: [{ text: 'and now?' }] } });
    const call = JSON.stringify({
      type: 'assistant',
      message: { role: 'model', parts: [{ text: 'Let me look.' }, { functionCall: {} }] },
    });
    const s = parseQwenLog(`${text}${prompt}\n${call}\n`);
    expect(s).toMatchObject({ turnOpen: true, lastPrompt: 'and now?', lastAnswer: ANSWER });
  });

  it('is found by the session id cao gives the CLI, in the folder of its directory', () => {
    expect(qwenLog.dirs(ctx)).toEqual(['/home/dev/.qwen/projects/-home-dev-proj/chats']);
    expect(qwenLog.dirs({ ...ctx, env: { QWEN_HOME: '/q' } })).toEqual([
      '/q/projects/-home-dev-proj/chats',
    ]);
    expect(qwenLog.fileName?.({ ...ctx, conversationId: 'c0ffee' })).toBe('c0ffee.jsonl');
    expect(qwenLog.fileName?.(ctx)).toBeUndefined();
  });
});

describe('Copilot CLI session log', () => {
  const text = fixture('copilot_cli', 'fence-after-tool.jsonl');

  it("reads the last answer exactly and each reply's tokens, cached input apart", () => {
    const s = parseCopilotLog(text);
    expect(s.lastAnswer).toBe(ANSWER);
    expect(s.turnOpen).toBe(false);
    expect(s.lastPrompt).toBe('fence please (CAO-FENCE)');
    expect(s.replies).toHaveLength(2);
    expect(s.replies[0]?.model).toBe('fake-model');
    expect(sum(s)).toEqual({ input: 240, output: 68, cacheRead: 112, cacheWrite: 0 });
  });

  it('a prompt after the answer opens a turn; an error ends it without an answer', () => {
    const prompt = JSON.stringify({ type: 'user.message', data: { content: 'and now?' } });
    const open = parseCopilotLog(`${text}${prompt}\n`);
    expect(open).toMatchObject({ turnOpen: true, lastPrompt: 'and now?', lastAnswer: ANSWER });
    const failed = parseCopilotLog(`${text}${prompt}\n{"type":"session.error","data":{}}\n`);
    expect(failed).toMatchObject({ turnOpen: false, lastAnswer: undefined });
  });

  it('is found by the session id cao gives the CLI', () => {
    expect(copilotLog.dirs(ctx)).toEqual(['/home/dev/.copilot/session-state']);
    expect(copilotLog.fileName?.({ ...ctx, conversationId: 'c0ffee' })).toBe('c0ffee/events.jsonl');
    expect(copilotLog.fileName?.(ctx)).toBeUndefined();
  });
});

describe('Kimi Code session log', () => {
  const text = fixture('kimi_cli', 'fence-after-tool.jsonl');
  const index = fixture('kimi_cli', 'session_index.jsonl');
  const at = { ...ctx, createdAtMs: 1796491839000 };

  it("reads the last answer exactly and each reply's tokens", () => {
    const s = parseKimiLog(text);
    expect(s.lastAnswer).toBe(ANSWER);
    expect(s.turnOpen).toBe(false);
    expect(s.lastPrompt).toBe('fence please (CAO-FENCE)');
    expect(s.replies).toHaveLength(2);
    expect(s.replies[0]?.model).toBe('fake-model');
    expect(sum(s)).toEqual({ input: 240, output: 68, cacheRead: 112, cacheWrite: 0 });
  });

  it('a prompt after the answer opens a turn until the turn ends', () => {
    const prompt = JSON.stringify({
      type: 'turn.prompt',
      input: [{ type: 'text', text: 'and now?' }],
    });
    const open = parseKimiLog(`${text}${prompt}\n`);
    expect(open).toMatchObject({ turnOpen: true, lastPrompt: 'and now?', lastAnswer: ANSWER });
    const ended = parseKimiLog(`${text}${prompt}\n{"type":"turn.ended","reason":"cancelled"}\n`);
    expect(ended).toMatchObject({ turnOpen: false, lastAnswer: undefined });
  });

  it("is found through Kimi's index of conversations, started in its folder after creation", () => {
    expect(kimiLog.index?.(ctx)).toBe('/home/dev/.kimi-code/session_index.jsonl');
    const paths = kimiLog.fromIndex?.(index, ctx) ?? [];
    expect(paths).toEqual([
      '/home/dev/.kimi-code/sessions/wd_work_e6110311c331/session_e1e5ae48-558b-4e46-8d0b-0fb76bc47c08/agents/main/wire.jsonl',
    ]);
    expect(kimiLog.fromIndex?.(index, { ...ctx, workingDirectory: '/home/dev/other' })).toEqual([]);
    // a session folder outside Kimi's own is never read
    const odd = JSON.stringify({ sessionDir: '/etc/x', workDir: '/home/dev/proj' });
    expect(kimiLog.fromIndex?.(odd, ctx)).toEqual([]);
    // a Kimi cao started with its stand-in home: read at the user's home, never elsewhere
    const viaCao = JSON.stringify({
      sessionDir: '/cao/tmp/kimi-code-home/sessions/wd_proj_1/session_a',
      workDir: '/home/dev/proj',
    });
    expect(kimiLog.fromIndex?.(viaCao, { ...ctx, tmpDir: '/cao/tmp' })).toEqual([
      '/home/dev/.kimi-code/sessions/wd_proj_1/session_a/agents/main/wire.jsonl',
    ]);
    expect(kimiLog.fromIndex?.(viaCao, ctx)).toEqual([]);
    const head = text.split('\n')[0] ?? '';
    expect(kimiLog.startedBy?.(head, at)).toBe(1796491839779);
    expect(kimiLog.startedBy?.(head, { ...at, createdAtMs: 1796491900000 })).toBeUndefined();
  });
});

describe('OpenCode session log (rows of its database)', () => {
  const rows = (): Record<string, unknown>[] =>
    JSON.parse(fixture('opencode_cli', 'fence-after-tool.json')) as Record<string, unknown>[];

  it("reads the last answer exactly and each step's tokens, cached input apart", () => {
    const s = parseOpenCodeRows(rows());
    expect(s.lastAnswer).toBe(ANSWER);
    expect(s.turnOpen).toBe(false);
    expect(s.lastPrompt).toContain('CAO-FENCE');
    expect(s.replies).toHaveLength(2);
    expect(s.replies[0]).toMatchObject({ model: 'fake-model', costUsd: undefined });
    expect(sum(s)).toEqual({ input: 240, output: 68, cacheRead: 112, cacheWrite: 0 });
    // the fixture's text form is what `parse` reads
    expect(opencodeLog.parse(fixture('opencode_cli', 'fence-after-tool.json'))).toEqual(s);
  });

  it('a new prompt opens a turn; a step still running or failed adds no reply and no answer', () => {
    const user = (id: string, text: string) => ({
      message_id: id,
      message: JSON.stringify({ role: 'user', time: { created: 1 } }),
      part: JSON.stringify({ type: 'text', text }),
    });
    const step = (id: string, info: Record<string, unknown>, text?: string) => ({
      message_id: id,
      message: JSON.stringify({ role: 'assistant', modelID: 'm', time: { created: 2 }, ...info }),
      part: text === undefined ? null : JSON.stringify({ type: 'text', text }),
    });
    const open = parseOpenCodeRows([...rows(), user('msg_9', 'and now?'), step('msg_a', {})]);
    expect(open).toMatchObject({ turnOpen: true, lastAnswer: ANSWER, lastPrompt: 'and now?' });
    expect(open.replies).toHaveLength(2);
    const failed = parseOpenCodeRows([
      ...rows(),
      user('msg_9', 'and now?'),
      step('msg_a', { error: { name: 'APIError' }, time: { created: 2, completed: 3 } }, 'par'),
    ]);
    expect(failed).toMatchObject({ turnOpen: false, lastAnswer: undefined });
    const priced = parseOpenCodeRows([
      step('msg_b', {
        tokens: { input: 10, output: 2, reasoning: 3, cache: { read: 0, write: 5 } },
        cost: 0.5,
        finish: 'stop',
        time: { created: 2, completed: 3 },
      }),
    ]);
    expect(priced.replies).toEqual([
      {
        at: new Date(2).toISOString(),
        model: 'm',
        usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 5 },
        costUsd: 0.5,
      },
    ]);
  });

  it("lives in OpenCode's data folder, and is found by folder and start time", () => {
    expect(opencodeDbPath(ctx)).toBe('/home/dev/.local/share/opencode/opencode.db');
    expect(opencodeDbPath({ ...ctx, env: { XDG_DATA_HOME: '/data' } })).toBe(
      '/data/opencode/opencode.db',
    );
    expect(opencodeDbPath({ ...ctx, env: { OPENCODE_DB: 'other.db' } })).toBe(
      '/home/dev/.local/share/opencode/other.db',
    );
    expect(opencodeDbPath({ ...ctx, env: { OPENCODE_DB: '/x/o.db' } })).toBe('/x/o.db');
    const q = opencodeLog.database!.started(ctx);
    expect(q.params).toEqual(['/home/dev/proj', ctx.createdAtMs - 5_000]);
    expect(q.sql).toContain('parent_id IS NULL');
    expect(opencodeLog.database!.records('ses_1').params).toEqual(['ses_1']);
  });
});
