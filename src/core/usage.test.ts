/**
 * Exact answers and usage from a terminal's session log, over the real core and HTTP API (the
 * fake runtime and a fake Claude Code screen; the log is a captured Claude Code transcript put
 * where the real CLI writes it in the stack's home).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import { claudeSessionId, projectDirName } from '../providers/logs/claude.js';
import { parseSince, sumReplies, addTotals } from './usage.js';
import type { TerminalView } from './views.js';

let s: TestStack;
afterEach(async () => {
  await s?.close();
});

const LOG = readFileSync(
  join(
    import.meta.dirname,
    '..',
    '..',
    'test',
    'fixtures',
    'session-logs',
    'claude_code',
    'fence-after-tool.jsonl',
  ),
  'utf8',
);

/** A stack whose Claude Code answers "Answer to <message>", and a session of it. */
async function claudeSession(name: string): Promise<TerminalView> {
  s = createTestStack({
    program: () => fakeClaude({ turnMs: 20, answer: (m) => `Answer to ${m}` }),
  });
  const r = await s.req<TerminalView>(
    'POST',
    `/sessions?agent_profile=developer&session_name=${name}&provider=claude_code&working_directory=${encodeURIComponent(s.work)}`,
  );
  return r.body;
}

describe('answers and usage from the session log', () => {
  it('reads the last answer from the log (source transcript), else the screen', async () => {
    const t = await claudeSession('u1');
    await s.req('POST', `/terminals/${t.id}/input?message=hello`);
    await s.deps.tracker.waitFor(t.id, (d) => d.status === 'completed', 2000);
    const screen = await s.req('GET', `/terminals/${t.id}/output?mode=last`);
    expect(screen.body).toMatchObject({ output: 'Answer to hello', source: 'screen' });
    const none = await s.req('GET', `/terminals/${t.id}/usage`);
    expect(none.body).toMatchObject({ source: 'none', total_tokens: 0, cost_usd: null });

    const dir = join(s.root, '.claude', 'projects', projectDirName(t.working_directory ?? ''));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${claudeSessionId(t.id)}.jsonl`), LOG);
    const out = await s.req<{ output: string; source: string }>(
      'GET',
      `/terminals/${t.id}/output?mode=last`,
    );
    expect(out.body.source).toBe('transcript');
    expect(out.body.output).toContain('```ts\nconst x = 1; // FENCED\n```');
    const usage = await s.req('GET', `/terminals/${t.id}/usage`);
    expect(usage.body).toMatchObject({
      terminal_id: t.id,
      source: 'transcript',
      input_tokens: 240,
      output_tokens: 68,
      cache_read_tokens: 112,
      cache_write_tokens: 14,
      total_tokens: 434,
      cost_usd: 0.002412,
      replies: 2,
    });
    const since = await s.req('GET', `/terminals/${t.id}/usage?since=2026-12-05T07:45:55Z`);
    expect(since.body).toMatchObject({ replies: 1, input_tokens: 120 });
    const session = await s.req('GET', '/sessions/u1/usage');
    expect(session.body).toMatchObject({ session: 'cao-u1', total_tokens: 434, replies: 2 });
    const bad = await s.req<{ detail: string }>('GET', `/terminals/${t.id}/usage?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/30m, 2h, 7d/);
    expect((await s.req('GET', '/sessions/nope/usage')).status).toBe(404);
  });
});

describe("a turn's answer from the session log", () => {
  it('is the answer to that turn: a log still at an older prompt gives way to the screen', async () => {
    const t = await claudeSession('u2');
    // the log holds an older, finished turn (what a resumed conversation's log looks like
    // before the CLI has written the new prompt)
    const dir = join(s.root, '.claude', 'projects', projectDirName(t.working_directory ?? ''));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${claudeSessionId(t.id)}.jsonl`), LOG);
    const sent = await s.req<{ turn_id: number }>('POST', `/terminals/${t.id}/messages`, {
      message: 'what now?',
    });
    const out = await s.req<{ output: string; output_source: string }>(
      'POST',
      `/terminals/${t.id}/await`,
      { turn_id: sent.body.turn_id, timeout: 10 },
    );
    expect(out.body).toMatchObject({ output: 'Answer to what now?', output_source: 'screen' });

    // once the log has the turn's prompt and answer, the answer comes from there
    const next = [
      { type: 'user', isSidechain: false, message: { role: 'user', content: 'and the log?' } },
      {
        type: 'assistant',
        isSidechain: false,
        message: {
          id: 'msg_next',
          model: 'claude-test',
          stop_reason: 'end_turn',
          content: [{ type: 'text', text: 'From **the log**.' }],
          usage: { input_tokens: 1, output_tokens: 1 },
        },
      },
    ];
    writeFileSync(
      join(dir, `${claudeSessionId(t.id)}.jsonl`),
      `${LOG}${next.map((l) => JSON.stringify(l)).join('\n')}\n`,
    );
    const sent2 = await s.req<{ turn_id: number }>('POST', `/terminals/${t.id}/messages`, {
      message: 'and the log?',
    });
    const out2 = await s.req<{ output: string; output_source: string }>(
      'POST',
      `/terminals/${t.id}/await`,
      { turn_id: sent2.body.turn_id, timeout: 10 },
    );
    expect(out2.body).toMatchObject({ output: 'From **the log**.', output_source: 'transcript' });
  });
});

describe('usage sums', () => {
  const r = (at: string, input: number, costUsd?: number) => ({
    at,
    usage: { input, output: 1, cacheRead: 0, cacheWrite: 0 },
    costUsd,
  });

  it('sums replies since a time, with cost only where the CLI reports it', () => {
    const replies = [r('2026-12-05T08:00:00Z', 5, 0.1), r('2026-12-05T09:00:00Z', 7, 0.2)];
    expect(sumReplies(replies, { cliCost: true })).toMatchObject({
      input_tokens: 12,
      total_tokens: 14,
      cost_usd: 0.3,
      replies: 2,
    });
    expect(sumReplies(replies, { sinceMs: Date.parse('2026-12-05T08:30:00Z') })).toMatchObject({
      input_tokens: 7,
      cost_usd: null,
      replies: 1,
    });
    const known = sumReplies(replies, { cliCost: true });
    const unknown = sumReplies(replies);
    expect(addTotals([known, known]).cost_usd).toBe(0.6);
    expect(addTotals([known, unknown]).cost_usd).toBeNull();
  });

  it('reads --since as an ISO time or a span back from now', () => {
    const now = Date.parse('2026-12-05T10:00:00Z');
    expect(parseSince('2h', now)).toBe(Date.parse('2026-12-05T08:00:00Z'));
    expect(parseSince('30m', now)).toBe(Date.parse('2026-12-05T09:30:00Z'));
    expect(parseSince('2026-12-01', now)).toBe(Date.parse('2026-12-01'));
    expect(() => parseSince('soon', now)).toThrow(/ISO date/);
  });
});
