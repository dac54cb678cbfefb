/**
 * handoff / assign on the server side (orchestration.ts), called directly on the wired core
 * (the in-process stack: fake runtime, fake Claude Code TUI, in-memory store).
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { programsByProfile, type ProgramsByProfile } from '../../test/support/programs.js';
import {
  createTestStack,
  type TestStack,
  type TestStackOptions,
} from '../../test/support/stack.js';
import type { FakeProgram } from '../runtime/fake-runtime.js';
import type { StartWorkerOptions } from './orchestration.js';
import type { TerminalView } from './views.js';

let s: TestStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** A stack whose `reviewer` terminals run `reviewer` and every other terminal `others`. */
async function stack(o: TestStackOptions & ProgramsByProfile = {}): Promise<TestStack> {
  s = createTestStack({ program: programsByProfile(o), ...o });
  await s.started;
  return s;
}

/** A project folder under the stack's root. */
function folder(st: TestStack, name: string): string {
  const dir = join(st.root, name);
  mkdirSync(dir, { recursive: true });
  return realpathSync(dir);
}

/** Session `cao-o` (its conductor works in `a/`). */
async function session(st: TestStack): Promise<TerminalView> {
  return st.core.sessions.create({
    sessionName: 'o',
    profileName: 'developer',
    provider: 'claude_code',
    workingDirectory: folder(st, 'a'),
  });
}

const worker = (over: Partial<StartWorkerOptions>): StartWorkerOptions => ({
  profileName: 'reviewer',
  provider: 'claude_code',
  message: 'Review the parser',
  type: 'assign',
  ...over,
});

const stateOf = async (st: TestStack, id: number): Promise<string | undefined> =>
  (await st.store.getMessage(id))?.state;

describe('startWorker', () => {
  it("starts the worker in the caller's session and current directory, and queues its task from the caller", async () => {
    const st = await stack();
    await session(st);
    const caller = await st.core.sessions.addTerminal('cao-o', {
      profileName: 'developer',
      provider: 'claude_code',
      workingDirectory: folder(st, 'b'),
    });
    // the caller's agent moved on to another folder since it started
    st.runtime.paneOf(caller.id).spec.cwd = folder(st, 'c');
    const { terminal, messageId } = await st.core.orchestrator.startWorker(
      worker({ callerId: caller.id }),
    );
    expect(terminal).toMatchObject({
      session_name: 'cao-o',
      agent_profile: 'reviewer',
      caller_id: caller.id,
      working_directory: folder(st, 'c'),
    });
    expect(await st.store.getMessage(messageId)).toMatchObject({
      senderId: caller.id,
      receiverId: terminal.id,
      orchestrationType: 'assign',
      message: 'Review the parser',
    });
    await expect.poll(() => stateOf(st, messageId)).toBe('delivered');
    expect(st.runtime.paneOf(terminal.id).pasted.join('')).toContain('Review the parser');
  });

  it('without a caller: the named session and its directory, or the directory given', async () => {
    const st = await stack();
    await session(st);
    const plain = await st.core.orchestrator.startWorker(worker({ sessionName: 'o' }));
    expect(plain.terminal).toMatchObject({
      session_name: 'cao-o',
      caller_id: null,
      working_directory: folder(st, 'a'),
    });
    expect((await st.store.getMessage(plain.messageId))?.senderId).toBe('cao');
    const given = await st.core.orchestrator.startWorker(
      worker({ sessionName: 'cao-o', workingDirectory: folder(st, 'd'), type: 'handoff' }),
    );
    expect(given.terminal.working_directory).toBe(folder(st, 'd'));
    expect((await st.store.getMessage(given.messageId))?.orchestrationType).toBe('handoff');
  });

  it('refuses an empty task, no caller and no session, or ones that do not exist; creates nothing', async () => {
    const st = await stack();
    await session(st);
    const o = st.core.orchestrator;
    await expect(o.startWorker(worker({ sessionName: 'o', message: '  ' }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'The task message is empty.',
    });
    await expect(o.startWorker(worker({}))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/caller terminal id \(caller_id\) or a session name/),
    });
    await expect(o.startWorker(worker({ callerId: 'ffff0000' }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(o.startWorker(worker({ sessionName: 'nope' }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await st.store.listTerminals()).toHaveLength(1);
    expect(await st.store.listMessages({})).toEqual([]);
  });

  it('a worker that fails to start: its task fails with the reason, and the caller is told', async () => {
    const st = await stack({ reviewer: { crashOnStart: 3 } });
    const caller = await session(st);
    const { terminal, messageId } = await st.core.orchestrator.startWorker(
      worker({ callerId: caller.id }),
    );
    await expect.poll(() => stateOf(st, messageId)).toBe('failed');
    const task = await st.store.getMessage(messageId);
    expect(task?.error).toMatch(
      new RegExp(
        `^worker ${terminal.id} \\(reviewer\\) failed to start and was removed: .*status 3`,
      ),
    );
    // the task fails first (while the worker's row still exists), then the worker goes
    await expect.poll(() => st.store.getTerminal(terminal.id)).toBeUndefined();
    await expect
      .poll(async () =>
        (await st.store.listMessages({ receiverId: caller.id, types: ['notice'] })).map(
          (m) => m.state,
        ),
      )
      .toEqual(['delivered']);
    expect(st.runtime.paneOf(caller.id).pasted.join('')).toContain(
      `Your message ${messageId} to terminal ${terminal.id} could not be delivered: worker ${terminal.id} (reviewer) failed to start`,
    );
  });
});

/**
 * The order of a worker's turn end, its removal and the moment the caller got its answer
 * (`mark`), as they happened.
 */
function eventOrder(st: TestStack): {
  seen: string[];
  mark: (what: string) => void;
  until: (type: string) => Promise<void>;
} {
  const seen: string[] = [];
  const waiters: { type: string; done: () => void }[] = [];
  st.core.subscribe((e) => {
    if (e.type !== 'turn.ended' && e.type !== 'terminal.deleted') return;
    seen.push(e.type);
    for (const w of waiters.filter((x) => x.type === e.type)) w.done();
  });
  return {
    seen,
    mark: (what) => seen.push(what),
    until: (type) =>
      seen.includes(type)
        ? Promise.resolve()
        : new Promise<void>((done) => waiters.push({ type, done })),
  };
}

describe('handoff (agent tools)', () => {
  it('returns the answer, then removes the worker (in the background)', async () => {
    const st = await stack({ reviewer: { answer: () => 'Parser reviewed.', turnMs: 20 } });
    const caller = await session(st);
    const order = eventOrder(st);
    const r = await st.core.tools.handoff(caller.id, {
      agentProfile: 'reviewer',
      provider: 'claude_code',
      message: 'Review the parser',
      timeoutS: 3,
    });
    order.mark('returned');
    expect(r).toMatchObject({ success: true, output: 'Parser reviewed.' });
    const id = r.terminal_id ?? '';
    await order.until('terminal.deleted');
    expect(order.seen).toEqual(['turn.ended', 'returned', 'terminal.deleted']);
    expect(await st.store.getTerminal(id)).toBeUndefined();
    expect(st.runtime.panes.size).toBe(1);
  });
});

describe('runStep', () => {
  const step = (st: TestStack, over: { timeoutMs?: number; teardown?: boolean } = {}) =>
    st.core.orchestrator.runStep({
      ...worker({ sessionName: 'o', type: 'handoff' }),
      timeoutMs: over.timeoutMs ?? 3000,
      teardown: over.teardown ?? true,
    });

  it('returns the answer, then removes the worker that finished', async () => {
    const st = await stack({ reviewer: { answer: () => 'Looks good.', turnMs: 20 } });
    await session(st);
    const order = eventOrder(st);
    const out = await step(st);
    order.mark('returned');
    expect(out).toMatchObject({ outcome: 'completed', output: 'Looks good.', teardown: true });
    await order.until('terminal.deleted');
    expect(order.seen).toEqual(['turn.ended', 'returned', 'terminal.deleted']);
    expect(await st.store.getTerminal(out.terminal_id)).toBeUndefined();
    expect(st.deps.tracker.isTracked(out.terminal_id)).toBe(false);
  });

  it('keeps the worker when asked to', async () => {
    const st = await stack({ reviewer: { answer: () => 'Looks good.' } });
    await session(st);
    const out = await step(st, { teardown: false });
    expect(out).toMatchObject({ outcome: 'completed', teardown: false });
    expect(await st.store.getTerminal(out.terminal_id)).toBeDefined();
  });

  it('keeps a worker that waits for an answer, or is still working at the time limit', async () => {
    const st = await stack({ reviewer: { permissionOn: 'parser' } });
    await session(st);
    const asking = await step(st);
    expect(asking).toMatchObject({ outcome: 'waiting_user_answer', teardown: false });
    expect(await st.store.getTerminal(asking.terminal_id)).toBeDefined();
    await st.close();

    const slow = await stack({ reviewer: { turnMs: 5000 } });
    await session(slow);
    const late = await step(slow, { timeoutMs: 400 });
    expect(late).toMatchObject({ outcome: 'timeout', status: 'processing', teardown: false });
    expect(await slow.store.getTerminal(late.terminal_id)).toBeDefined();
  });

  it('a worker that fails to start: failed, with the reason', async () => {
    const st = await stack({ reviewer: { crashOnStart: 1 } });
    await session(st);
    const out = await step(st);
    expect(out).toMatchObject({ outcome: 'failed', teardown: true });
    expect(out.error).toMatch(/failed to start and was removed/);
    expect(await st.store.listTerminals()).toHaveLength(1);
  });
});

describe('answer', () => {
  /** A terminal stopped at Claude Code's "Do you want to proceed?" permission prompt. */
  async function asking(st: TestStack): Promise<string> {
    const t = await session(st);
    await st.core.terminals.sendInput(t.id, 'DANGER: write the file');
    await expect.poll(() => st.deps.tracker.get(t.id)?.status).toBe('waiting_user_answer');
    return t.id;
  }

  /** Claude's TUI, deaf to the first `deaf` key presses while its permission prompt shows. */
  function slowToListen(deaf: number): FakeProgram {
    const inner = fakeClaude({ permissionOn: 'DANGER' });
    let ignored = 0;
    return {
      ...inner,
      keys: (p, keys) => {
        if (p.screen.includes('Do you want to proceed?') && ignored < deaf) {
          ignored++;
          return;
        }
        inner.keys?.(p, keys);
      },
    };
  }

  it('picks a menu option by keys and confirms the prompt went away', async () => {
    const st = await stack({ others: { permissionOn: 'DANGER' } });
    const id = await asking(st);
    const pane = st.runtime.paneOf(id);
    const pressedBefore = pane.keysPressed.length;
    expect(await st.core.orchestrator.answer(id, '1')).toEqual({ keys: ['Enter'] });
    expect(pane.keysPressed.slice(pressedBefore)).toEqual(['Enter']);
    expect(st.deps.tracker.get(id)?.status).not.toBe('waiting_user_answer');
  });

  it('types an answer that is not a menu choice, then Enter', async () => {
    const st = await stack({ others: { permissionOn: 'DANGER' } });
    const id = await asking(st);
    expect(await st.core.orchestrator.answer(id, 'go ahead, carefully')).toEqual({ keys: null });
    const pane = st.runtime.paneOf(id);
    expect(pane.pasted.at(-1)).toBe('go ahead, carefully');
    expect(pane.keysPressed.at(-1)).toBe('Enter');
  });

  it('presses again when the prompt did not take the first keys', async () => {
    const st = await stack({ others: slowToListen(1), timing: { answerConfirmMs: 150 } });
    const id = await asking(st);
    const pane = st.runtime.paneOf(id);
    const pressedBefore = pane.keysPressed.length;
    expect(await st.core.orchestrator.answer(id, 'yes')).toEqual({ keys: ['Enter'] });
    expect(pane.keysPressed.slice(pressedBefore)).toEqual(['Enter', 'Enter']);
  });

  it('fails after its tries when the prompt stays', async () => {
    const st = await stack({ others: slowToListen(99), timing: { answerConfirmMs: 150 } });
    const id = await asking(st);
    const pane = st.runtime.paneOf(id);
    const pressedBefore = pane.keysPressed.length;
    await expect(st.core.orchestrator.answer(id, '1')).rejects.toMatchObject({
      code: 'AGENT_FAILED',
      message: `Terminal ${id} is still waiting for an answer after 3 tries.`,
    });
    expect(pane.keysPressed.slice(pressedBefore)).toEqual(['Enter', 'Enter', 'Enter']);
  });

  it('refuses a terminal that asks nothing, and answers that are empty or too long', async () => {
    const st = await stack();
    const t = await session(st);
    const o = st.core.orchestrator;
    await expect(o.answer(t.id, '1')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `Terminal ${t.id} is not waiting for an answer (it is idle).`,
    });
    for (const bad of [' ', 'x'.repeat(4001)]) {
      await expect(o.answer(t.id, bad)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    await expect(o.answer('ffff0000', '1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(st.runtime.paneOf(t.id).keysPressed).toEqual([]);
  });
});
