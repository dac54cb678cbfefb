/**
 * Confirmed submission (input.ts) over the fake runtime, with the fake Claude Code TUI and
 * Claude Code's real detector reading its screens. Vitest's fake clock runs the echo and
 * submit waits, so the failures that take every try cost no real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClaude } from '../../test/support/fake-claude.js';
import { getProvider } from '../providers/index.js';
import { FakeRuntime, type FakePane, type FakeProgram } from '../runtime/fake-runtime.js';
import { DEFAULT_TIMING, type CoreTiming } from './deps.js';
import { submitInput, type SubmitResult } from './input.js';

const claude = getProvider('claude_code');
const TIMING: CoreTiming = {
  ...DEFAULT_TIMING,
  echoTimeoutMs: 200,
  submitTimeoutMs: 200,
  submitAttempts: 3,
};
/** Longer than every wait of one submission put together. */
const ALL_WAITS_MS = TIMING.echoTimeoutMs + TIMING.submitAttempts * TIMING.submitTimeoutMs + 1000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

let runtime: FakeRuntime;

async function start(program: FakeProgram): Promise<FakePane> {
  runtime = new FakeRuntime(() => program);
  const ref = await runtime.createSession({
    session: 'cao-in',
    windowName: 'w',
    terminalId: 'aaaa0001',
    cwd: '/work',
    argv: ['claude'],
    env: {},
  });
  return runtime.panes.get(ref.paneId)!;
}

/** Submits `text` and lets the clock run until it is settled. */
async function submit(pane: FakePane, text: string): Promise<SubmitResult> {
  const outcome = submitInput(runtime, pane.paneId, claude, text, TIMING).then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  await vi.advanceTimersByTimeAsync(ALL_WAITS_MS);
  const r = await outcome;
  if (!r.ok) throw r.e;
  return r.v;
}

/**
 * A TUI that never shows a pasted text itself: its box shows `shown` instead (a placeholder),
 * or nothing at all when `shown` is ''; Enter submits what the box holds ('[Pasted]' when it
 * showed nothing), so the text is not in the transcript either.
 */
function pasteShowsAs(shown: string, inner: FakeProgram): FakeProgram {
  const pending = new WeakMap<FakePane, boolean>();
  return {
    start: (p) => inner.start(p),
    paste: (p) => {
      if (shown !== '' && !pending.get(p)) inner.paste?.(p, shown);
      pending.set(p, true);
    },
    keys: (p, keys) => {
      if (shown === '' && pending.get(p) && keys.includes('Enter')) inner.paste?.(p, '[Pasted]');
      pending.delete(p);
      inner.keys?.(p, keys);
    },
  };
}

const box = (p: FakePane): string | undefined => claude.inputText(p.screen);

describe('submitInput', () => {
  it('leaves copy mode, pastes once, waits for the echo, presses Enter once', async () => {
    const pane = await start(fakeClaude({ turnMs: 500 }));
    pane.inMode = true;
    const result = await submit(pane, 'build the parser');
    expect(result).toEqual({ enters: 1, echoed: true });
    expect(pane.inMode).toBe(false);
    expect(pane.pasted).toEqual(['build the parser']);
    expect(pane.keysPressed).toEqual(['Enter']);
    expect(box(pane)).toBe('');
    expect(pane.screen).toContain('❯ build the parser');
  });

  it('does not press Enter before a slow TUI shows the paste', async () => {
    const inner = fakeClaude();
    const boxAtEnter: (string | undefined)[] = [];
    const pane = await start({
      start: (p) => inner.start(p),
      paste: (p, text) => void setTimeout(() => inner.paste?.(p, text), 120),
      keys: (p, keys) => {
        boxAtEnter.push(box(p));
        inner.keys?.(p, keys);
      },
    });
    expect(await submit(pane, 'slow echo')).toEqual({ enters: 1, echoed: true });
    expect(boxAtEnter).toEqual(['slow echo']);
  });

  it('counts a paste the CLI collapsed into a placeholder as shown', async () => {
    const pane = await start(pasteShowsAs('[Pasted text #1 +40 lines]', fakeClaude()));
    expect(await submit(pane, 'a very long task')).toEqual({ enters: 1, echoed: true });
  });

  it('presses Enter again while the text stays in the box, and stops once it left', async () => {
    const pane = await start(fakeClaude({ swallowEnters: 2 }));
    expect(await submit(pane, 'third time lucky')).toEqual({ enters: 3, echoed: true });
    expect(pane.pasted).toEqual(['third time lucky']);
    expect(pane.keysPressed).toEqual(['Enter', 'Enter', 'Enter']);
    expect(box(pane)).toBe('');
  });

  it('does not take a half-drawn frame (no box) for the Enter taken: Gemini CLI redraws on Enter', async () => {
    // the first Enter is lost in a redraw: for a moment the screen has no input box at all,
    // then it is back with the text still in it
    const inner = fakeClaude();
    let redraws = 1;
    const pane = await start({
      start: (p) => inner.start(p),
      paste: (p, text) => inner.paste?.(p, text),
      keys: (p, keys) => {
        if (redraws > 0 && keys.includes('Enter')) {
          redraws--;
          const before = p.screen;
          p.show('\n'.repeat(10));
          setTimeout(() => p.show(before), 60);
          return;
        }
        inner.keys?.(p, keys);
      },
    });
    expect(await submit(pane, 'redrawn away')).toEqual({ enters: 2, echoed: true });
    expect(pane.keysPressed).toEqual(['Enter', 'Enter']);
    expect(box(pane)).toBe('');
    expect(pane.screen).toContain('❯ redrawn away');
  });

  it('fails loudly when the text never leaves the box, after submitAttempts Enters', async () => {
    const pane = await start(fakeClaude({ swallowEnters: 99 }));
    await expect(submit(pane, 'stuck here')).rejects.toMatchObject({
      code: 'AGENT_FAILED',
      message:
        'The message was pasted but Claude Code did not take it after 3 Enter presses; it is still in the input box.',
    });
    expect(pane.pasted).toEqual(['stuck here']);
    expect(pane.keysPressed).toEqual(['Enter', 'Enter', 'Enter']);
    expect(box(pane)).toBe('stuck here');
  });

  describe('a paste that never showed', () => {
    it('is not taken on an emptied box alone: a dialog took the keys, the send fails', async () => {
      // Codex-like: the prompt, then a trust dialog with "Yes" chosen; the paste goes nowhere
      // and the Enter answers the dialog, leaving an empty prompt behind
      const pane = await start(fakeClaude({ lateTrustDialogMs: 0 }));
      await vi.advanceTimersByTimeAsync(1);
      expect(box(pane)).toBeUndefined();
      await expect(submit(pane, 'lost in a dialog')).rejects.toMatchObject({
        code: 'AGENT_FAILED',
        message: expect.stringMatching(
          /^The message never showed on Claude Code's screen and Claude Code did not take it .*it was not delivered/,
        ),
      });
      // one Enter only: pressing more would answer whatever comes next
      expect(pane.keysPressed).toEqual(['Enter']);
      expect(box(pane)).toBe('');
      expect(pane.screen).not.toContain('lost in a dialog');
    });

    it('is taken when the agent starts working on it', async () => {
      const pane = await start(pasteShowsAs('', fakeClaude({ turnMs: 5000 })));
      const result = submitInput(runtime, pane.paneId, claude, 'hidden task', TIMING);
      await vi.advanceTimersByTimeAsync(ALL_WAITS_MS);
      expect(await result).toEqual({ enters: 1, echoed: false });
      // the transcript shows a placeholder, not the text: the spinner was the evidence
      expect(pane.screen).not.toContain('hidden task');
      expect(claude.detect(pane.screen).status).toBe('processing');
    });

    it('is taken when its text shows in the transcript', async () => {
      const inner = fakeClaude();
      const hidden = new WeakMap<FakePane, string>();
      const pane = await start({
        start: (p) => inner.start(p),
        paste: (p, text) => void hidden.set(p, text),
        keys: (p, keys) => {
          inner.paste?.(p, hidden.get(p) ?? '');
          inner.keys?.(p, keys);
        },
      });
      expect(await submit(pane, 'answered at once')).toEqual({ enters: 1, echoed: false });
      expect(claude.detect(pane.screen).status).toBe('completed');
    });
  });
});
