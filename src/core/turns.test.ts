/**
 * Turns over the in-process stack (fake runtime, fake Claude screens): the server decides
 * whether a terminal can take a message and when its turn is over; clients only ask.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { StampedEvent } from './events.js';
import type { TurnOutcome, TurnStart, TurnState } from './turns.js';
import type { TerminalView } from './views.js';

let s: TestStack;
afterEach(async () => {
  await s?.close();
});

async function launch(name: string): Promise<TerminalView> {
  const r = await s.req<TerminalView>('POST', '/sessions', {
    agent_profile: 'developer',
    session_name: name,
    working_directory: s.work,
    provider: 'claude_code',
  });
  expect(r.status).toBe(201);
  return r.body;
}

const send = (id: string, message: string, mode?: 'now' | 'queue') =>
  s.req<TurnStart & { detail?: string; code?: string }>('POST', `/terminals/${id}/messages`, {
    message,
    ...(mode ? { mode } : {}),
  });

const awaitTurn = (id: string, turn: number, timeout = 5) =>
  s.req<TurnOutcome>('POST', `/terminals/${id}/await`, { turn_id: turn, timeout });

describe('sending a message and waiting for its turn', () => {
  it('now: the agent takes it at once; the turn ends completed with the answer', async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: (m) => `Done: ${m}` }) });
    const t = await launch('t1');
    const sent = await send(t.id, 'build it');
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ terminal_id: t.id, session: 'cao-t1', state: 'delivered' });
    expect(sent.body.turn_id).toBe(sent.body.message_id);
    const out = await awaitTurn(t.id, sent.body.turn_id);
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({
      outcome: 'completed',
      status: 'completed',
      output: 'Done: build it',
      question: null,
      gone: false,
    });
  });

  it('pastes the text as it is: a slash command gets no footer', async () => {
    s = createTestStack();
    const t = await launch('t2');
    const sent = await send(t.id, '/prompts');
    expect(sent.status).toBe(201);
    expect(s.runtime.paneOf(t.id).pasted).toContain('/prompts');
  });

  it('records the end even when nobody waits, and gives the same outcome to a late asker', async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: () => 'first', turnMs: 20 }) });
    const t = await launch('t3');
    const ended: StampedEvent[] = [];
    s.core.subscribe((e) => {
      if (e.type === 'turn.ended') ended.push(e);
    });
    const sent = await send(t.id, 'one');
    await expect.poll(() => ended.length, { timeout: 3000 }).toBe(1);
    expect(ended[0]).toMatchObject({
      terminal_id: t.id,
      turn_id: sent.body.turn_id,
      outcome: 'completed',
    });
    const state = await s.req<TurnState>('GET', `/terminals/${t.id}/turns/${sent.body.turn_id}`);
    expect(state.body).toMatchObject({ state: 'ended', outcome: { output: 'first' } });
    const again = await awaitTurn(t.id, sent.body.turn_id);
    expect(again.body.output).toBe('first');
  });

  it("keeps each turn's own answer when turns follow each other", async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: (m) => `re: ${m}`, turnMs: 10 }) });
    const t = await launch('t4');
    const first = await send(t.id, 'alpha');
    await awaitTurn(t.id, first.body.turn_id);
    const second = await send(t.id, 'beta');
    await awaitTurn(t.id, second.body.turn_id);
    expect((await awaitTurn(t.id, first.body.turn_id)).body.output).toBe('re: alpha');
    expect((await awaitTurn(t.id, second.body.turn_id)).body.output).toBe('re: beta');
  });

  it('now, while the agent is busy: 409 saying why and how to queue; queue delivers it after', async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: (m) => `re: ${m}`, turnMs: 300 }) });
    const t = await launch('t5');
    const first = await send(t.id, 'long job');
    expect(first.status).toBe(201);
    const refused = await send(t.id, 'second');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/busy \(processing/);
    expect(refused.body.detail).toMatch(/--queue/);
    const queued = await send(t.id, 'second', 'queue');
    expect(queued.status).toBe(201);
    expect(queued.body.state).toBe('pending');
    const out = await awaitTurn(t.id, queued.body.turn_id);
    expect(out.body).toMatchObject({ outcome: 'completed', output: 're: second' });
    expect((await awaitTurn(t.id, first.body.turn_id)).body.output).toBe('re: long job');
  });

  it('a terminal that asks a question: now is refused with the question; the turn ends waiting', async () => {
    s = createTestStack({ program: () => fakeClaude({ permissionOn: 'DANGER' }) });
    const t = await launch('t6');
    const sent = await send(t.id, 'DANGER please');
    const out = await awaitTurn(t.id, sent.body.turn_id);
    expect(out.body.outcome).toBe('waiting_user_answer');
    const refused = await send(t.id, 'anything');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(`cao agent answer ${t.id}`);
  });

  it('an interrupted turn is interrupted, not the previous answer', async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: (m) => `re: ${m}`, turnMs: 5000 }) });
    const t = await launch('t7');
    const sent = await send(t.id, 'slow one');
    await s.req('POST', `/terminals/${t.id}/key`, { key: 'Escape' });
    const out = await awaitTurn(t.id, sent.body.turn_id);
    expect(out.body.outcome).toBe('interrupted');
    expect(out.body.output).toBeNull();
  });

  it('times out with the agent still working, and the turn can be awaited again', async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: () => 'late', turnMs: 1500 }) });
    const t = await launch('t8');
    const sent = await send(t.id, 'wait for me');
    const early = await awaitTurn(t.id, sent.body.turn_id, 1);
    expect(early.body).toMatchObject({ outcome: 'timeout', status: 'processing' });
    const state = await s.req<TurnState>('GET', `/terminals/${t.id}/turns/${sent.body.turn_id}`);
    expect(state.body.state).toBe('running');
    const later = await awaitTurn(t.id, sent.body.turn_id, 5);
    expect(later.body).toMatchObject({ outcome: 'completed', output: 'late' });
  });

  it("sends to a session's conductor, or to a terminal of the session", async () => {
    s = createTestStack({ program: () => fakeClaude({ answer: (m) => `re: ${m}` }) });
    const t = await launch('t9');
    const sent = await s.req<TurnStart>('POST', '/sessions/t9/messages', { message: 'hi' });
    expect(sent.status).toBe(201);
    expect(sent.body.terminal_id).toBe(t.id);
    const wrong = await s.req<{ detail: string }>('POST', '/sessions/t9/messages', {
      message: 'hi',
      terminal_id: 'abcdef12',
    });
    expect(wrong.status).toBe(404);
    expect(wrong.body.detail).toContain(`Its terminals: ${t.id}`);
  });

  it('a turn of another terminal, or no turn at all: 404', async () => {
    s = createTestStack();
    const a = await launch('ta');
    const b = await launch('tb');
    const sent = await send(a.id, 'x');
    expect((await awaitTurn(b.id, sent.body.turn_id)).status).toBe(404);
    expect((await s.req('GET', `/terminals/${a.id}/turns/999999`)).status).toBe(404);
  });
});
