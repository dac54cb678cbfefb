/**
 * The delivery ledger over the in-process stack (fake runtime, fake Claude screens).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import { isoNow } from '../lib/time.js';
import type { StampedEvent } from './events.js';
import { Ledger } from './ledger.js';
import { composeMessage, markerOf } from './message-text.js';
import type { TerminalView } from './views.js';

let s: TestStack;
afterEach(async () => {
  await s?.close();
});

async function launch(name: string): Promise<TerminalView> {
  const r = await s.req<TerminalView>(
    'POST',
    `/sessions?agent_profile=developer&session_name=${name}&working_directory=${s.work}&provider=claude_code`,
  );
  expect(r.status).toBe(201);
  return r.body;
}

const until = async (pred: () => Promise<boolean> | boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met in time');
};

const stateOf = async (id: number): Promise<string | undefined> =>
  (await s.store.getMessage(id))?.state;

describe('delivery', () => {
  it('delivers to a ready receiver at once, with who sent it and how to reply', async () => {
    s = createTestStack();
    const a = await launch('a');
    const b = await launch('b');
    const events: StampedEvent[] = [];
    s.core.subscribe((e) => events.push(e));
    const r = await s.req<{ message_id: number; success: boolean }>(
      'POST',
      `/terminals/${b.id}/inbox/messages?sender_id=${a.id}&message=hello%20b`,
    );
    expect(r.body.success).toBe(true);
    await until(async () => (await stateOf(r.body.message_id)) === 'delivered');
    const pasted = s.runtime.paneOf(b.id).pasted.join('');
    expect(pasted).toContain('hello b');
    expect(pasted).toContain(
      `[Message from terminal ${a.id} (${markerOf(r.body.message_id)}). Use the send_message MCP tool`,
    );
    const states = events
      .filter((e) => e.type === 'message.state')
      .map((e) => (e as { state: string }).state);
    expect(states).toEqual(['pending', 'submitting', 'delivered']);
  });

  it('waits while the receiver works, then delivers one message per finished turn, in order', async () => {
    s = createTestStack({ program: () => fakeClaude({ turnMs: 80 }) });
    const a = await launch('a');
    const b = await launch('b');
    await s.req('POST', `/terminals/${b.id}/input?message=long%20job`);
    expect(s.deps.tracker.get(b.id)?.status).toBe('processing');
    const ids: number[] = [];
    for (const text of ['one', 'two', 'three']) {
      ids.push(
        (
          await s.req<{ message_id: number }>('POST', `/terminals/${b.id}/inbox/messages`, {
            sender_id: a.id,
            message: text,
          })
        ).body.message_id,
      );
    }
    expect(await stateOf(ids[0]!)).toBe('pending');
    await until(async () => (await stateOf(ids[2]!)) === 'delivered', 5000);
    const pasted = s.runtime.paneOf(b.id).pasted;
    expect(pasted.map((p) => p.split('\n')[0])).toEqual(['long job', 'one', 'two', 'three']);
    const delivered = await s.store.listMessages({ receiverId: b.id }, true);
    expect(delivered.map((m) => m.state)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('fails messages to a terminal that exited and tells the sender', async () => {
    s = createTestStack();
    const a = await launch('a');
    const b = await launch('b');
    s.runtime.paneOf(b.id).die(1);
    await until(() => s.deps.tracker.get(b.id)?.rule === 'agent-exited');
    const r = await s.req<{ message_id: number }>('POST', `/terminals/${b.id}/inbox/messages`, {
      sender_id: a.id,
      message: 'anyone?',
    });
    await until(async () => (await stateOf(r.body.message_id)) === 'failed');
    expect((await s.store.getMessage(r.body.message_id))?.error).toMatch(
      /is gone: the agent process exited/,
    );
    await until(
      async () =>
        (await s.store.listMessages({ receiverId: a.id, states: ['delivered'] })).length === 1,
    );
    const notice = (await s.store.listMessages({ receiverId: a.id }))[0];
    expect(notice?.orchestrationType).toBe('notice');
    expect(s.runtime.paneOf(a.id).pasted.join('')).toContain(
      `Your message ${r.body.message_id} to terminal ${b.id} could not be delivered`,
    );
  });

  it('refuses unknown receivers and messages to oneself', async () => {
    s = createTestStack();
    const a = await launch('a');
    expect(
      (await s.req('POST', `/terminals/deadbeef/inbox/messages?sender_id=${a.id}&message=x`))
        .status,
    ).toBe(404);
    expect(
      (await s.req('POST', `/terminals/${a.id}/inbox/messages?sender_id=${a.id}&message=x`)).status,
    ).toBe(400);
  });

  it('lists messages with their delivery state', async () => {
    s = createTestStack();
    const a = await launch('a');
    const b = await launch('b');
    const r = await s.req<{ message_id: number }>(
      'POST',
      `/terminals/${b.id}/inbox/messages?sender_id=${a.id}&message=hi`,
    );
    await until(async () => (await stateOf(r.body.message_id)) === 'delivered');
    const list = await s.req<{ id: number; status: string }[]>(
      'GET',
      `/terminals/${b.id}/inbox/messages?status=delivered`,
    );
    expect(list.body.map((m) => m.id)).toEqual([r.body.message_id]);
    const one = await s.req<{ status: string; sender_id: string }>(
      'GET',
      `/inbox/messages/${r.body.message_id}`,
    );
    expect(one.body).toMatchObject({ status: 'delivered', sender_id: a.id });
    expect((await s.req('GET', `/terminals/${b.id}/inbox/messages?status=bogus`)).status).toBe(422);
  });
});

describe("the CLI's own question widget", () => {
  // Claude Code's AskUserQuestion widget as captured on the real CLI: its `❯ 1. Red` cursor
  // sits between two rules, like the input box; Enter there would pick an option
  const WIDGET = readFileSync(
    join(
      import.meta.dirname,
      '../providers/testdata/claude_code/waiting_user_answer/claude-2.1.331-ask-user-question.txt',
    ),
    'utf8',
  );

  it('never delivers into it: the message waits until the question is answered', async () => {
    s = createTestStack();
    const a = await launch('a');
    const b = await launch('b');
    const pane = s.runtime.paneOf(b.id);
    const ready = pane.screen;
    pane.show(WIDGET);
    await until(() => s.deps.tracker.get(b.id)?.status === 'waiting_user_answer');
    const r = await s.req<{ message_id: number }>('POST', `/terminals/${b.id}/inbox/messages`, {
      sender_id: a.id,
      message: 'not into the widget',
    });
    // give the ledger every chance to act on the queued message
    await new Promise((res) => setTimeout(res, 300));
    expect(await stateOf(r.body.message_id)).toBe('pending');
    expect(pane.pasted.join('')).not.toContain('not into the widget');
    expect(pane.keysPressed).toEqual([]);
    // the question answered (the prompt is back): the message goes in
    pane.show(ready);
    await until(async () => (await stateOf(r.body.message_id)) === 'delivered');
    expect(pane.pasted.join('')).toContain('not into the widget');
  });
});

describe('recovery of a message caught mid-send (cao-server killed)', () => {
  async function stuck(receiver: string, sender: string): Promise<number> {
    const m = await s.store.insertMessage(
      {
        senderId: sender,
        receiverId: receiver,
        message: 'the task',
        orchestrationType: 'send_message',
      },
      isoNow(),
    );
    await s.store.transitionMessage(
      m.id,
      ['pending'],
      { state: 'submitting', attempts: 1 },
      isoNow(),
    );
    return m.id;
  }

  it('marks it delivered when the agent already shows it, without sending it again', async () => {
    s = createTestStack();
    const a = await launch('a');
    const b = await launch('b');
    s.core.ledger.stop();
    const id = await stuck(b.id, a.id);
    const m = (await s.store.getMessage(id))!;
    await s.req('POST', `/terminals/${b.id}/input`, { message: composeMessage(m) });
    const pastes = s.runtime.paneOf(b.id).pasted.length;
    const ledger = new Ledger(s.deps, s.core.terminals);
    await ledger.start();
    await until(async () => (await stateOf(id)) === 'delivered');
    expect(s.runtime.paneOf(b.id).pasted.length).toBe(pastes);
    ledger.stop();
  });

  it('presses Enter when the text still sits in the input box', async () => {
    s = createTestStack();
    const a = await launch('a');
    const b = await launch('b');
    s.core.ledger.stop();
    const id = await stuck(b.id, a.id);
    await s.runtime.paste(
      s.deps.tracker.paneId(b.id)!,
      composeMessage((await s.store.getMessage(id))!),
    );
    const ledger = new Ledger(s.deps, s.core.terminals);
    await ledger.start();
    await until(async () => (await stateOf(id)) === 'delivered');
    const pane = s.runtime.paneOf(b.id);
    expect(pane.pasted.length).toBe(1);
    expect(pane.keysPressed).toContain('Enter');
    ledger.stop();
  });

  it('sends it again when it never reached the agent', async () => {
    s = createTestStack();
    const a = await launch('a');
    const b = await launch('b');
    s.core.ledger.stop();
    const id = await stuck(b.id, a.id);
    const ledger = new Ledger(s.deps, s.core.terminals);
    await ledger.start();
    await until(async () => (await stateOf(id)) === 'delivered');
    expect(s.runtime.paneOf(b.id).pasted.filter((p) => p.includes(markerOf(id)))).toHaveLength(1);
    ledger.stop();
  });

  it('retries a message whose Enter was swallowed, without pasting it twice', async () => {
    s = createTestStack({
      program: () => fakeClaude({ swallowEnters: 3 }),
      timing: { submitTimeoutMs: 50 },
    });
    const a = await launch('a');
    const b = await launch('b');
    const r = await s.req<{ message_id: number }>(
      'POST',
      `/terminals/${b.id}/inbox/messages?sender_id=${a.id}&message=stubborn`,
    );
    await until(async () => (await stateOf(r.body.message_id)) === 'delivered', 5000);
    const pane = s.runtime.paneOf(b.id);
    expect(pane.pasted.filter((p) => p.includes('stubborn'))).toHaveLength(1);
    expect(pane.keysPressed.filter((k) => k === 'Enter').length).toBe(4);
  });
});

describe('waiting for the agent to connect to cao-mcp-server', () => {
  it('holds a task until the CLI listed cao tools, then delivers it', async () => {
    s = createTestStack({ mcpConnects: false, timing: { mcpGraceMs: 5000 } });
    const a = await s.req<TerminalView>(
      'POST',
      `/sessions?agent_profile=developer&session_name=a&working_directory=${s.work}&provider=claude_code`,
    );
    expect(a.status).toBe(201);
    const started = await s.req<{ id: string; message_id: number }>(
      'POST',
      '/sessions/a/terminals',
      {
        agent_profile: 'reviewer',
        caller_id: a.body.id,
        initial_message: 'review it',
      },
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await stateOf(started.body.message_id)).toBe('pending');
    await s.req('POST', `/terminals/${started.body.id}/mcp-ready`);
    await until(async () => (await stateOf(started.body.message_id)) === 'delivered');
  });

  it('goes on without it after the grace period', async () => {
    s = createTestStack({ mcpConnects: false, timing: { mcpGraceMs: 300 } });
    const t0 = Date.now();
    const r = await s.req<TerminalView>(
      'POST',
      `/sessions?agent_profile=developer&session_name=a&working_directory=${s.work}&provider=claude_code`,
    );
    expect(r.status).toBe(201);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });
});
