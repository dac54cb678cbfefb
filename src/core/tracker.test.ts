/**
 * The status tracker over the fake runtime, with Claude Code's real detector reading captured
 * screens. Vitest's fake clock drives the debounce, so every wait here is exact and instant.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testdataOf } from '../../test/support/providers.js';
import { silentLogger } from '../lib/log.js';
import { getProvider } from '../providers/index.js';
import type { Detection, Status } from '../providers/provider.js';
import { FakeRuntime, type FakePane } from '../runtime/fake-runtime.js';
import type { CaptureOptions, RuntimeListener, WindowSpec } from '../runtime/runtime.js';
import { EventBus, type StampedEvent } from './events.js';
import {
  CAPTURE_DEBOUNCE_MS,
  CAPTURE_MAX_WAIT_MS,
  DETECT_HISTORY_LINES,
  PREVIOUS_ANSWER_SETTLE_MS,
  StatusTracker,
  TENTATIVE_SETTLE_MS,
  isGone,
} from './tracker.js';

const screen = testdataOf('claude_code');
const IDLE = screen('idle/claude-2.1.331-idle.txt');
const PROCESSING = screen('processing/claude-2.1.331-processing.txt');
const COMPLETED = screen('completed/claude-2.1.331-completed.txt');
/** Another frame of the same turn: the spinner's word changed, the status did not. */
const PROCESSING_2 = PROCESSING.replace('Processing…', 'Pondering…');

/**
 * The fake runtime, recording every screen read; a read can be held open (`hold`) to act while
 * it is in flight, and returns the screen as it was when asked, as tmux does. `dropClient`
 * ends a session's watch the way a dying control-mode client does, with the session alive.
 */
class ObservedRuntime extends FakeRuntime {
  readonly reads: { paneId: string; history: CaptureOptions['history']; styled?: true }[] = [];
  private held: Promise<void> | undefined;
  private readonly taps = new Map<string, Set<RuntimeListener>>();

  override async capture(paneId: string, options: CaptureOptions = {}): Promise<string> {
    this.reads.push({
      paneId,
      history: options.history,
      ...(options.styled ? { styled: true as const } : {}),
    });
    const text = super.capture(paneId, options);
    await this.held;
    return text;
  }

  /** Holds every read until the returned function is called. */
  hold(): () => void {
    let release = (): void => {};
    this.held = new Promise((r) => (release = r));
    return () => {
      this.held = undefined;
      release();
    };
  }

  override watch(session: string, listener: RuntimeListener): () => void {
    let set = this.taps.get(session);
    if (!set) this.taps.set(session, (set = new Set()));
    set.add(listener);
    const stop = super.watch(session, listener);
    return () => {
      set.delete(listener);
      stop();
    };
  }

  watchers(session: string): number {
    return this.taps.get(session)?.size ?? 0;
  }

  /** Tells the session's listeners what a runtime over several hosts would (host-down…). */
  tell(session: string, event: Parameters<RuntimeListener>[0]): void {
    for (const l of [...(this.taps.get(session) ?? [])]) l(event);
  }

  dropClient(session: string): void {
    for (const l of [...(this.taps.get(session) ?? [])])
      l({ type: 'session-closed', session, reason: 'control client exited' });
  }
}

const spec = (terminalId: string, session = 'cao-t'): WindowSpec => ({
  session,
  windowName: `w-${terminalId}`,
  terminalId,
  cwd: '/work',
  argv: ['claude'],
  env: {},
});

let runtime: ObservedRuntime;
let tracker: StatusTracker;
let events: StampedEvent[];
let persisted: [string, Status][];

beforeEach(() => {
  vi.useFakeTimers();
  runtime = new ObservedRuntime(() => ({ start: (p) => p.show(IDLE) }));
  const bus = new EventBus();
  events = [];
  bus.subscribe((e) => events.push(e));
  persisted = [];
  tracker = new StatusTracker({
    runtime,
    bus,
    log: silentLogger,
    onStatus: (id, status) => persisted.push([id, status]),
  });
});

afterEach(() => {
  tracker.close();
  vi.useRealTimers();
});

/** Starts a window running the fake CLI and tracks it; returns its pane. */
async function tracked(
  terminalId = 'aaaa0001',
  session = 'cao-t',
  provider = 'claude_code',
): Promise<FakePane> {
  const s = spec(terminalId, session);
  const ref = (await runtime.hasSession(session))
    ? await runtime.createWindow(s)
    : await runtime.createSession(s);
  await tracker.track({ ...ref, terminalId, provider: getProvider(provider) });
  return runtime.paneOf(terminalId);
}

const statuses = (id = 'aaaa0001'): string[] =>
  events.flatMap((e) => (e.type === 'terminal.status' && e.terminal_id === id ? [e.status] : []));

const advance = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => {});

describe('reading screens', () => {
  it('track reads the screen once, with scrollback, and reports what it saw', async () => {
    const pane = await tracked();
    expect(runtime.reads).toEqual([{ paneId: pane.paneId, history: DETECT_HISTORY_LINES }]);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'idle' });
    expect(tracker.lastScreen('aaaa0001')).toBe(IDLE);
    expect(tracker.paneId('aaaa0001')).toBe(pane.paneId);
    expect(tracker.session('aaaa0001')).toBe('cao-t');
    expect(tracker.isTracked('aaaa0001')).toBe(true);
    expect(statuses()).toEqual(['idle']);
    expect(events[0]).toMatchObject({ previous: 'unknown', session: 'cao-t' });
    expect(persisted).toEqual([['aaaa0001', 'idle']]);
  });

  it('waits for the output to be quiet, then reads once: the last frame of a burst', async () => {
    const pane = await tracked();
    pane.show(PROCESSING);
    await advance(10);
    pane.show(PROCESSING_2);
    await advance(10);
    pane.show(COMPLETED);
    await advance(CAPTURE_DEBOUNCE_MS - 1);
    expect(runtime.reads).toHaveLength(1);
    await advance(1);
    expect(runtime.reads).toHaveLength(2);
    expect(tracker.get('aaaa0001')?.status).toBe('completed');
    // the frames nobody read published nothing
    expect(statuses()).toEqual(['idle', 'completed']);
    await advance(1000);
    expect(runtime.reads).toHaveLength(2);
  });

  it('reads a continuous stream at most CAPTURE_MAX_WAIT_MS apart, never before', async () => {
    const pane = await tracked();
    const frames = [PROCESSING, PROCESSING_2];
    const readsAt: number[] = [];
    for (let t = 0; t < 2 * CAPTURE_MAX_WAIT_MS; t += 10) {
      pane.show(frames[(t / 10) % 2] ?? PROCESSING);
      const before = runtime.reads.length;
      await advance(10);
      if (runtime.reads.length > before) readsAt.push(t + 10);
    }
    expect(readsAt).toEqual([CAPTURE_MAX_WAIT_MS, 2 * CAPTURE_MAX_WAIT_MS]);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
  });

  it('publishes only changes: a new frame with the same status updates the detection silently', async () => {
    const pane = await tracked();
    pane.show(PROCESSING);
    await advance(CAPTURE_DEBOUNCE_MS);
    pane.show(PROCESSING_2);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(runtime.reads).toHaveLength(3);
    expect(tracker.lastScreen('aaaa0001')).toBe(PROCESSING_2);
    expect(statuses()).toEqual(['idle', 'processing']);
    expect(events[1]).toMatchObject({ previous: 'idle', status: 'processing' });
    expect(persisted.map(([, s]) => s)).toEqual(['idle', 'processing']);
  });

  it('output during a read is not lost: another read follows it', async () => {
    const pane = await tracked();
    pane.show(COMPLETED);
    const release = runtime.hold();
    await advance(CAPTURE_DEBOUNCE_MS); // the read of COMPLETED starts and is held
    pane.show(PROCESSING);
    await advance(CAPTURE_DEBOUNCE_MS); // due while the first read is still out
    expect(runtime.reads).toHaveLength(2);
    release();
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(runtime.reads).toHaveLength(3);
    expect(statuses()).toEqual(['idle', 'completed', 'processing']);
  });

  it('refresh reads now; during a read it waits for that one and reads again', async () => {
    const pane = await tracked();
    pane.screen = COMPLETED; // changed without an output event
    expect((await tracker.refresh('aaaa0001')).status).toBe('completed');
    pane.show(PROCESSING);
    const release = runtime.hold();
    await advance(CAPTURE_DEBOUNCE_MS);
    pane.screen = IDLE;
    const refreshed = tracker.refresh('aaaa0001');
    release();
    expect((await refreshed).status).toBe('idle');
    expect(runtime.reads).toHaveLength(4);
    await expect(tracker.refresh('ffff0000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('providers that ask for more', () => {
  const box = [' ╭────────╮', ' │ >      │', ' ╰────────╯', ' fake-model  /work'];
  async function trackedKimi(): Promise<FakePane> {
    const ref = await runtime.createSession(spec('bbbb0001'));
    await tracker.track({ ...ref, terminalId: 'bbbb0001', provider: getProvider('kimi_cli') });
    return runtime.paneOf('bbbb0001');
  }

  it('reads the whole history only when the lines read do not reach the turn`s start', async () => {
    const pane = await trackedKimi();
    const reply = Array.from({ length: 300 }, (_, i) => `   line ${i + 1}`);
    pane.history.push(' ✨ go', '', ' ● First', ...reply.slice(0, 280));
    pane.show([...reply.slice(280), '', ...box].join('\n'));
    runtime.reads.length = 0;
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(runtime.reads.map((r) => r.history)).toEqual([DETECT_HISTORY_LINES, 'all']);
    expect(tracker.get('bbbb0001')).toMatchObject({ status: 'completed', rule: 'response' });
    // a short turn is decided from the usual read alone
    pane.history.push(...reply.slice(280), '', ' ✨ again', '', ' ● short');
    pane.show(box.join('\n'));
    runtime.reads.length = 0;
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(runtime.reads.map((r) => r.history)).toEqual([DETECT_HISTORY_LINES]);
  });

  it('reads a styled screen for a provider that reads colours, and keeps the plain one', async () => {
    const pane = await trackedKimi();
    expect(runtime.reads.at(-1)).toMatchObject({ styled: true });
    pane.show(
      [
        ' ✨ go',
        ' ● quoting',
        '   \x1b[38;5;210mError: [provider.api_error] 500 x\x1b[39m',
        ...box,
      ].join('\n'),
    );
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('bbbb0001')).toMatchObject({ status: 'error', rule: 'api-error' });
    expect(tracker.lastScreen('bbbb0001')).not.toContain('\x1b');
    // Claude Code reads plain text: no styled read for it
    await tracked();
    expect(runtime.reads.at(-1)).not.toHaveProperty('styled');
  });
});

describe('waitFor', () => {
  it('resolves at once when the current detection matches', async () => {
    await tracked();
    await expect(
      tracker.waitFor('aaaa0001', (d) => d.status === 'idle', 10),
    ).resolves.toMatchObject({ status: 'idle' });
  });

  it('resolves with the first later detection that matches', async () => {
    const pane = await tracked();
    const seen: Detection[] = [];
    const done = tracker
      .waitFor('aaaa0001', (d) => d.status === 'completed', 5000)
      .then((d) => seen.push(d));
    pane.show(PROCESSING);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(seen).toEqual([]);
    pane.show(COMPLETED);
    await advance(CAPTURE_DEBOUNCE_MS);
    await done;
    expect(seen.map((d) => d.status)).toEqual(['completed']);
  });

  it('times out with TIMEOUT, naming the terminal and where it stands', async () => {
    await tracked();
    const waiting = expect(
      tracker.waitFor('aaaa0001', (d) => d.status === 'completed', 2000),
    ).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: 'Timed out after 2s waiting for terminal aaaa0001',
      details: { terminal_id: 'aaaa0001', status: 'idle', rule: expect.any(String) },
    });
    await advance(1999);
    await advance(1);
    await waiting;
  });

  it('rejects with NOT_FOUND when the terminal is untracked meanwhile, or was never tracked', async () => {
    await tracked();
    const waiting = expect(
      tracker.waitFor('aaaa0001', (d) => d.status === 'completed', 5000),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Terminal aaaa0001 was deleted' });
    tracker.untrack('aaaa0001');
    await waiting;
    await expect(tracker.waitFor('aaaa0001', () => true, 10)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('the end of an agent', () => {
  it('a dead pane is final: error with the exit status and the last screen lines', async () => {
    const pane = await tracked();
    pane.die(3);
    await advance(0);
    const d = tracker.get('aaaa0001');
    expect(d).toMatchObject({ status: 'error', rule: 'agent-exited' });
    expect(d?.evidence[0]).toBe('the agent process exited with status 3');
    expect(d?.evidence.at(-1)).toMatch(/^Pane is dead \(status 3/);
    expect(isGone(d!)).toBe(true);
    const reads = runtime.reads.length;
    pane.show(IDLE);
    await advance(1000);
    expect(await tracker.refresh('aaaa0001')).toBe(d);
    expect(runtime.reads).toHaveLength(reads);
    expect(statuses()).toEqual(['idle', 'error']);
  });

  it('a closed window is final', async () => {
    const pane = await tracked();
    await runtime.killWindow(pane.paneId);
    expect(tracker.get('aaaa0001')).toMatchObject({
      status: 'error',
      rule: 'window-closed',
      // why, then the last three lines the agent showed
      evidence: [
        'the tmux window was closed',
        '❯',
        expect.stringMatching(/^─+$/),
        '  ⏵⏵ bypass permissions on',
      ],
    });
    tracker.turnStarted('aaaa0001');
    expect(tracker.get('aaaa0001')?.status).toBe('error');
    expect(statuses()).toEqual(['idle', 'error']);
  });

  it('a session that ended is final, and its watch stops', async () => {
    await tracked();
    await runtime.killSession('cao-t');
    await advance(0);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'error', rule: 'session-closed' });
    expect(runtime.watchers('cao-t')).toBe(0);
  });

  it('a control client that died with the session alive is not an end: it is watched again', async () => {
    const pane = await tracked();
    runtime.dropClient('cao-t');
    await advance(0);
    expect(tracker.get('aaaa0001')?.status).toBe('idle');
    expect(runtime.watchers('cao-t')).toBe(1);
    pane.show(PROCESSING);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
  });

  it('a pane that can no longer be read is final (pane-gone)', async () => {
    const pane = await tracked();
    runtime.panes.delete(pane.paneId);
    const d = await tracker.refresh('aaaa0001');
    expect(d).toMatchObject({ status: 'error', rule: 'pane-gone' });
    expect(d.evidence[0]).toMatch(/^the pane can no longer be read: can't find pane/);
  });

  it('a read that comes back after untrack publishes nothing', async () => {
    await tracked();
    const release = runtime.hold();
    const reading = tracker.refresh('aaaa0001');
    tracker.untrack('aaaa0001');
    release();
    expect((await reading).status).toBe('idle');
    expect(tracker.get('aaaa0001')).toBeUndefined();
    expect(statuses()).toEqual(['idle']);
  });
});

describe('a host that is down, then given up on', () => {
  // the fake runtime's panes are this machine's, whose host name is 'local'
  it('is unknown while down, and error for good once the runtime gives up on it', async () => {
    await tracked();
    runtime.tell('cao-t', { type: 'host-down', host: 'local', reason: 'link dropped' });
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'unknown', rule: 'host-unreachable' });
    const reason = 'host local has been unreachable for 60 s (give-up time 60 s): link dropped';
    runtime.tell('cao-t', { type: 'host-gone', host: 'local', reason });
    const d = tracker.get('aaaa0001')!;
    expect(d).toMatchObject({ status: 'error', rule: 'host-gone' });
    expect(d.evidence[0]).toBe(reason);
    expect(isGone(d)).toBe(true);
    // coming back later does not revive it
    runtime.tell('cao-t', { type: 'host-up', host: 'local' });
    await advance(1000);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'error', rule: 'host-gone' });
  });

  it('a host-gone of another host leaves this one alone', async () => {
    await tracked();
    runtime.tell('cao-t', { type: 'host-gone', host: 'b9', reason: 'gone' });
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'idle' });
  });
});

describe('turnStarted', () => {
  it('publishes processing at once, for a turn that may end before the next read', async () => {
    await tracked();
    const waiting = tracker.waitFor('aaaa0001', (d) => d.status === 'processing', 1000);
    tracker.turnStarted('aaaa0001');
    await expect(waiting).resolves.toMatchObject({ rule: 'input-submitted' });
    expect(events.at(-1)).toMatchObject({
      type: 'terminal.status',
      status: 'processing',
      previous: 'idle',
      rule: 'input-submitted',
    });
    // already processing, or not tracked: nothing more
    tracker.turnStarted('aaaa0001');
    tracker.turnStarted('ffff0000');
    expect(statuses()).toEqual(['idle', 'processing']);
    expect(runtime.reads).toHaveLength(1);
  });
});

describe('a reply with no end-of-turn mark yet (Codex streams without a busy line)', () => {
  // Codex 0.169's screens: the finished turn (real capture), and the same turn while its reply
  // streams, which differs only by the `Worked for` line Codex draws at the end
  const DONE = testdataOf('codex')('completed/codex-0.169.0-inline-yolo.txt');
  const STREAMING = DONE.replace(/^ {2}Worked for .*$/m, '');
  const STREAMING_MORE = STREAMING.replace(
    'Yolo command finished. FAKE-REPLY-3',
    'Yolo command finished. FAKE-REPLY-3\n  and a second line of it',
  );

  const codexTurn = async (): Promise<FakePane> => {
    const pane = await tracked('aaaa0001', 'cao-t', 'codex');
    tracker.turnStarted('aaaa0001');
    return pane;
  };

  it('the detector calls it a tentative completion', () => {
    expect(getProvider('codex').detect(STREAMING)).toMatchObject({
      status: 'completed',
      rule: 'response',
      tentative: true,
    });
    expect(getProvider('codex').detect(DONE).tentative).toBeUndefined();
  });

  it('is processing while a turn cao started streams, completed at the mark, never before', async () => {
    const pane = await codexTurn();
    pane.show(STREAMING);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({
      status: 'processing',
      rule: 'reply-without-end-mark',
    });
    pane.show(STREAMING_MORE);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
    pane.show(DONE);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'worked-for' });
    // (the fake pane starts on a Claude screen, which Codex's reader calls unknown)
    expect(statuses()).toEqual(['processing', 'completed']);
  });

  it('a pause in the stream shorter than TENTATIVE_SETTLE_MS does not end the turn', async () => {
    const pane = await codexTurn();
    pane.show(STREAMING);
    await advance(TENTATIVE_SETTLE_MS - 1000);
    pane.show(STREAMING_MORE);
    await advance(TENTATIVE_SETTLE_MS - 1000);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
    expect(statuses()).toEqual(['processing']);
  });

  it('believes it once the screen stayed the same TENTATIVE_SETTLE_MS (a CLI without the mark)', async () => {
    const pane = await codexTurn();
    pane.show(STREAMING);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
    await advance(TENTATIVE_SETTLE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'response' });
    // the next turn is held again
    tracker.turnStarted('aaaa0001');
    pane.show(STREAMING_MORE);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
  });

  it('with no turn seen to start (adopted after a restart) the screen is taken as it is', async () => {
    const pane = await tracked('aaaa0001', 'cao-t', 'codex');
    pane.show(STREAMING);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'response' });
  });
});

describe('a message the CLI took but has not drawn yet (Gemini CLI clears its box first)', () => {
  const gemini = testdataOf('gemini_cli');
  const EMPTY = gemini('idle/gemini-0.61.0-trust-restarted.txt');
  const DONE = gemini('completed/gemini-0.61.0-quoted-markers.txt');

  it('an empty prompt right after a submission is processing, not the end of the turn', async () => {
    const pane = await tracked('aaaa0001', 'cao-t', 'gemini_cli');
    expect(getProvider('gemini_cli').detect(EMPTY)).toMatchObject({ rule: 'empty-prompt' });
    tracker.turnStarted('aaaa0001');
    pane.show(EMPTY);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({
      status: 'processing',
      rule: 'submitted-not-drawn',
    });
    pane.show(DONE);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'response' });
    expect(statuses()).toEqual(['processing', 'completed']);
  });

  it('a frame read mid-redraw (no input box) between the two does not end the hold', async () => {
    const pane = await tracked('aaaa0001', 'cao-t', 'gemini_cli');
    tracker.turnStarted('aaaa0001');
    pane.show('Loading…\n');
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')?.status).toBe('unknown');
    pane.show(EMPTY);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({
      status: 'processing',
      rule: 'submitted-not-drawn',
    });
  });

  it('is believed once the screen stayed the same TENTATIVE_SETTLE_MS (a message that left no trace)', async () => {
    const pane = await tracked('aaaa0001', 'cao-t', 'gemini_cli');
    tracker.turnStarted('aaaa0001');
    pane.show(EMPTY);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
    await advance(TENTATIVE_SETTLE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'idle', rule: 'empty-prompt' });
  });

  it('text without the turn`s start, before any sign of work, is held too (a cleared screen)', async () => {
    // the screen Gemini CLI drew when it queued the message: the transcript cleared above it
    const CLEARED = gemini('processing/gemini-0.61.0-message-queued.txt').replace(
      /^ {2}Queued \(press ↑ to edit\):$/m,
      '',
    );
    expect(getProvider('gemini_cli').detect(CLEARED)).toMatchObject({
      status: 'completed',
      rule: 'long-reply',
    });
    const pane = await tracked('aaaa0001', 'cao-t', 'gemini_cli');
    tracker.turnStarted('aaaa0001');
    pane.show(CLEARED);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({
      status: 'processing',
      rule: 'start-not-drawn',
    });
    pane.show(DONE);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'response' });
  });

  it('once the turn was seen at work, a long reply ends it at once', async () => {
    const CLEARED = gemini('processing/gemini-0.61.0-message-queued.txt').replace(
      /^ {2}Queued \(press ↑ to edit\):$/m,
      '',
    );
    const pane = await tracked('aaaa0001', 'cao-t', 'gemini_cli');
    tracker.turnStarted('aaaa0001');
    pane.show(gemini('processing/gemini-0.61.0-tool-running.txt'));
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
    pane.show(CLEARED);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'long-reply' });
  });

  it('a hold the turn then shows going on is dropped: its old reading is not believed later', async () => {
    const pane = await tracked('aaaa0001', 'cao-t', 'gemini_cli');
    tracker.turnStarted('aaaa0001');
    pane.show(EMPTY);
    await advance(CAPTURE_DEBOUNCE_MS);
    pane.show(gemini('processing/gemini-0.61.0-tool-running.txt'));
    await advance(CAPTURE_DEBOUNCE_MS);
    await advance(TENTATIVE_SETTLE_MS);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
    expect(statuses()).toEqual(['processing']);
  });

  it('without a submission an empty prompt is idle at once', async () => {
    const pane = await tracked('aaaa0001', 'cao-t', 'gemini_cli');
    pane.show(EMPTY);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'idle', rule: 'empty-prompt' });
  });
});

describe('untrack and close', () => {
  it("stops a session's watch with its last terminal, not before", async () => {
    await tracked('aaaa0001');
    const second = await tracked('aaaa0002');
    expect(runtime.watchers('cao-t')).toBe(1);
    tracker.untrack('aaaa0001');
    tracker.untrack('ffff0000');
    expect(runtime.watchers('cao-t')).toBe(1);
    second.show(PROCESSING);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0002')?.status).toBe('processing');
    tracker.untrack('aaaa0002');
    expect(runtime.watchers('cao-t')).toBe(0);
    expect(tracker.isTracked('aaaa0002')).toBe(false);
  });

  it('close stops everything', async () => {
    await tracked('aaaa0001', 'cao-a');
    const pane = await tracked('aaaa0002', 'cao-b');
    tracker.close();
    expect(runtime.watchers('cao-a') + runtime.watchers('cao-b')).toBe(0);
    pane.show(PROCESSING);
    await advance(1000);
    expect(runtime.reads).toHaveLength(2);
    expect(tracker.get('aaaa0002')).toBeUndefined();
  });
});

describe("a message the CLI took while its transcript still ends with the previous turn's answer", () => {
  // Qwen Code with a resumed conversation empties its box at the Enter and draws the message a
  // moment later: read in between, the screen is the previous turn's finished answer
  const qwen = testdataOf('qwen_cli');
  const BEFORE = qwen('completed/qwen-0.24.4-multiline.txt');
  const NEXT = qwen('completed/qwen-0.24.4-quoted-markers.txt');
  const WORKING = qwen('processing/qwen-0.24.4-tool-running.txt');

  async function answered(): Promise<FakePane> {
    const pane = await tracked('aaaa0001', 'cao-t', 'qwen_cli');
    pane.show(BEFORE);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'response' });
    return pane;
  }

  it('is held as processing, and the new answer ends the turn', async () => {
    const pane = await answered();
    tracker.turnStarted('aaaa0001');
    // the message's own text may show elsewhere (a line the CLI left in the scrollback)
    pane.show(`  > RESUME-ASK: what was the colour?\n${BEFORE}`);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({
      status: 'processing',
      rule: 'previous-answer',
    });
    // held long past its settle time while the turn shows it goes on
    pane.show(WORKING);
    await advance(PREVIOUS_ANSWER_SETTLE_MS * 2);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
    pane.show(NEXT);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'response' });
    expect(statuses().slice(-3)).toEqual(['completed', 'processing', 'completed']);
  });

  it('a different answer read first thing ends the turn at once (a fast model)', async () => {
    const pane = await answered();
    tracker.turnStarted('aaaa0001');
    pane.show(NEXT);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'response' });
  });

  it('an answer the same as the one before ends the turn at once when it shows once more', async () => {
    const start = BEFORE.lastIndexOf('  ◆︎ ACK');
    const end = BEFORE.indexOf('fourth line after blank', start) + 'fourth line after blank'.length;
    const answer = BEFORE.slice(start, end);
    const pane = await answered();
    tracker.turnStarted('aaaa0001');
    pane.show(BEFORE.replace(answer, `${answer}\n\n  > once more\n\n${answer}`));
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'response' });
  });

  it('a screen that shows the previous answer no more often than before is believed PREVIOUS_ANSWER_SETTLE_MS later', async () => {
    const pane = await answered();
    tracker.turnStarted('aaaa0001');
    pane.show(`${BEFORE}\n`);
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')?.status).toBe('processing');
    await advance(PREVIOUS_ANSWER_SETTLE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'response' });
  });
});

describe('two Codex turns that end alike (the same answer, "Worked for" the same time)', () => {
  const codex = testdataOf('codex');
  const ONE = codex('completed/codex-0.169.0-inline.txt');

  it('the second ends at once: its "Worked for" line shows once more', async () => {
    const pane = await tracked('aaaa0001', 'cao-t', 'codex');
    pane.show(ONE);
    await advance(CAPTURE_DEBOUNCE_MS);
    const first = tracker.get('aaaa0001');
    expect(first).toMatchObject({ status: 'completed', rule: 'worked-for' });
    const lines = ONE.split('\n');
    const worked = lines.findLastIndex((l) => l.includes('Worked for'));
    const turn = lines.slice(
      lines.findLastIndex((l, i) => i < worked && l.startsWith('›')),
      worked + 1,
    );
    tracker.turnStarted('aaaa0001');
    pane.show([...lines.slice(0, worked + 1), '', ...turn, ...lines.slice(worked + 1)].join('\n'));
    await advance(CAPTURE_DEBOUNCE_MS);
    expect(tracker.get('aaaa0001')).toMatchObject({ status: 'completed', rule: 'worked-for' });
    expect(tracker.get('aaaa0001')?.evidence).toEqual(first?.evidence);
  });
});
