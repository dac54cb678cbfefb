/**
 * Usage per turn, usage events and budgets, over the real core and HTTP API: the fake runtime
 * and a fake Claude Code screen whose every answer also writes the reply, with its tokens, to
 * the terminal's session log where the real CLI keeps it (in the stack's home).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCao as cao } from '../../test/support/cli.js';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import { claudeSessionId, projectDirName } from '../providers/logs/claude.js';
import type { StampedEvent } from './events.js';
import type { TerminalView } from './views.js';
import type { TurnUsage } from './usage.js';

let s: TestStack;
afterEach(async () => {
  await s?.close();
});

/** Tokens of each scripted reply: 100 in, 20 out (Sonnet 4.5: $0.0006 by the price table). */
const MODEL = 'claude-sonnet-4-5-20250929';

/** A stack whose Claude Code logs each answer with 100 input and 20 output tokens. */
function stack(): TestStack {
  s = createTestStack({
    program: (spec) =>
      fakeClaude({
        turnMs: 20,
        answer: (m) => {
          const dir = join(s.root, '.claude', 'projects', projectDirName(spec.cwd));
          mkdirSync(dir, { recursive: true });
          const at = new Date().toISOString();
          const lines = [
            { type: 'user', timestamp: at, message: { role: 'user', content: m } },
            {
              type: 'assistant',
              timestamp: at,
              message: {
                id: `msg_${Math.random()}`,
                model: MODEL,
                stop_reason: 'end_turn',
                content: [{ type: 'text', text: `Answer to ${m}` }],
                usage: { input_tokens: 100, output_tokens: 20 },
              },
            },
            { type: 'system', subtype: 'turn_duration', timestamp: at },
          ];
          appendFileSync(
            join(dir, `${claudeSessionId(spec.terminalId)}.jsonl`),
            lines.map((l) => `${JSON.stringify(l)}\n`).join(''),
          );
          return `Answer to ${m}`;
        },
      }),
  });
  return s;
}

async function session(name: string, extra = ''): Promise<TerminalView> {
  const r = await s.req<TerminalView>(
    'POST',
    `/sessions?agent_profile=developer&session_name=${name}&provider=claude_code&working_directory=${encodeURIComponent(s.work)}${extra}`,
  );
  expect(r.status).toBe(201);
  return r.body;
}

/** Sends a message as the user and waits for its turn's end. */
async function turn(id: string, message: string): Promise<number> {
  const sent = await s.req<{ turn_id: number }>('POST', `/terminals/${id}/messages`, { message });
  expect(sent.status).toBe(201);
  const out = await s.req<{ outcome: string }>('POST', `/terminals/${id}/await`, {
    turn_id: sent.body.turn_id,
    timeout: 10,
  });
  expect(out.body.outcome).toBe('completed');
  return sent.body.turn_id;
}

describe('usage per turn and usage events', () => {
  it("keeps each turn's tokens and cost and publishes a terminal's new totals", async () => {
    stack();
    const events: StampedEvent[] = [];
    s.core.subscribe((e) => events.push(e));
    const t = await session('pt1');
    const first = await turn(t.id, 'one');
    const second = await turn(t.id, 'two');
    const turnsNow = () => s.req<TurnUsage[]>('GET', `/terminals/${t.id}/usage/turns`);
    await expect.poll(async () => (await turnsNow()).body.length).toBe(2);
    const turns = await turnsNow();
    expect(turns.body.map((u) => u.turn_id)).toEqual([second, first]);
    for (const u of turns.body) {
      expect(u).toMatchObject({
        terminal_id: t.id,
        session: 'cao-pt1',
        input_tokens: 100,
        output_tokens: 20,
        total_tokens: 120,
        cost_usd: 0.0006,
        cost_source: 'prices',
        replies: 1,
      });
    }
    const totals = await s.req('GET', `/terminals/${t.id}/usage`);
    expect(totals.body).toMatchObject({ total_tokens: 240, cost_usd: 0.0012, replies: 2 });
    await expect.poll(() => events.filter((e) => e.type === 'terminal.usage').length).toBe(2);
    const usage = events.filter((e) => e.type === 'terminal.usage');
    expect(usage.map((e) => e.type === 'terminal.usage' && e.total_tokens)).toEqual([120, 240]);
    expect(usage[1]).toMatchObject({ terminal_id: t.id, session: 'cao-pt1', cost_usd: 0.0012 });
  });

  it('reads usage with the owner or viewer token (and a terminal of the session), never without one', async () => {
    stack();
    const t = await session('pt2');
    const none = await s.req('GET', `/terminals/${t.id}/usage`, undefined, {
      authorization: '',
    });
    expect(none.status).toBe(401);
    for (const path of [`/terminals/${t.id}/usage`, '/sessions/pt2/usage']) {
      const viewer = await s.req('GET', path, undefined, {
        authorization: `Bearer ${s.tokens.viewer}`,
      });
      expect(viewer.status).toBe(200);
    }
    const raise = await s.req(
      'POST',
      `/terminals/${t.id}/budget`,
      { max_tokens: 5 },
      {
        authorization: `Bearer ${s.tokens.viewer}`,
      },
    );
    expect(raise.status).toBe(403);
  });
});

describe('budgets', () => {
  it('holds messages once the token budget is spent, tells the sender, and lets them through when raised', async () => {
    stack();
    const worker = await session('b1', '&max_tokens=200');
    const boss = (
      await s.req<TerminalView>('POST', '/sessions/b1/terminals', {
        agent_profile: 'developer',
        provider: 'claude_code',
        working_directory: s.work,
      })
    ).body;
    expect((await s.req('GET', `/terminals/${worker.id}/budget`)).body).toMatchObject({
      max_tokens: 200,
      max_cost_usd: null,
      spent: null,
    });
    await turn(worker.id, 'one');
    await turn(worker.id, 'two'); // 240 tokens: the budget of 200 is spent after this turn

    // a person's message is refused with the reason and how to raise it
    const refused = await s.req<{ detail: string }>('POST', '/sessions/b1/messages', {
      message: 'three',
      terminal_id: worker.id,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(
      `terminal ${worker.id} has spent its token budget (240 of 200 tokens)`,
    );
    expect(refused.body.detail).toContain(`cao agent budget ${worker.id} --max-tokens N`);
    const send = await cao(s, ['session', 'send', 'b1', 'three', '--terminal', worker.id]);
    expect(send.code).toBe(1);
    expect(send.err.join('\n')).toContain('has spent its token budget');

    // an agent's message is held (pending, with the reason) and its sender told in its inbox
    const sent = await s.req<{ success: boolean }>('POST', '/agent/send-message', {
      caller_id: boss.id,
      receiver_id: worker.id,
      message: 'please go on',
    });
    expect(sent.body.success).toBe(true);
    const held = async () =>
      (
        await s.req<{ id: number; status: string; error: string | null }[]>(
          'GET',
          `/inbox/messages?receiver_id=${worker.id}&sender_id=${boss.id}`,
        )
      ).body[0];
    await expect.poll(async () => (await held())?.error ?? '').toContain('has spent its token');
    expect((await held())?.status).toBe('pending');
    await expect
      .poll(async () =>
        (
          await s.req<{ message: string }[]>('GET', `/inbox/messages?receiver_id=${boss.id}`)
        ).body.map((m) => m.message),
      )
      .toContainEqual(expect.stringMatching(/is held, not delivered: terminal .* has spent/));
    expect((await s.req('GET', `/terminals/${worker.id}/budget`)).body).toMatchObject({
      spent: expect.stringContaining('240 of 200 tokens'),
    });
    // with the agent's message held in front, a person's send still names the budget
    const again = await cao(s, ['session', 'send', 'b1', 'four', '--terminal', worker.id]);
    expect(again.code).toBe(1);
    expect(again.err.join('\n')).toContain('has spent its token budget');
    expect(again.err.join('\n')).not.toContain('messages queued');

    // the CLI says so too, and raising the budget delivers what was held; nothing was lost
    const shown = await cao(s, ['agent', 'budget', worker.id]);
    expect(shown.out.join('\n')).toMatch(/tokens 200[\s\S]*Spent: terminal/);
    const raised = await cao(s, ['agent', 'budget', worker.id, '--max-tokens', '1000']);
    expect(raised.out).toEqual([
      `Budget of ${worker.id}: cost none, tokens 1000`,
      'Not spent: messages are delivered.',
    ]);
    const bad = await cao(s, ['agent', 'budget', worker.id, '--max-cost', 'lots']);
    expect(bad.err.join('\n')).toMatch(/--max-cost must be a positive number of US dollars/);
    await expect.poll(async () => (await held())?.status, { timeout: 5000 }).toBe('delivered');
  });

  it('refuses a bad limit with what to give; a limit is removed with null', async () => {
    stack();
    const bad = await s.req<{ detail: string }>(
      'POST',
      `/sessions?agent_profile=developer&session_name=b2&provider=claude_code&max_tokens=-3&working_directory=${encodeURIComponent(s.work)}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/max tokens must be a positive whole number/);
    const t = await session('b3', '&max_cost=0.5');
    const b = await s.req('POST', `/terminals/${t.id}/budget`, { max_cost_usd: null });
    expect(b.body).toMatchObject({ max_cost_usd: null, max_tokens: null, spent: null });
  });
});
