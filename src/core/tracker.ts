/**
 * The status tracker: turns "pane N changed" signals from the runtime into statuses.
 *
 * A change marks the terminal dirty; after the output has been quiet for CAPTURE_DEBOUNCE_MS
 * (or CAPTURE_MAX_WAIT_MS into a continuous stream, so a spinner still gets looked at) the
 * rendered screen is captured and the provider's pure detector classifies it. A status event
 * is published only when the status changes. Nothing polls: an idle terminal costs nothing.
 * There is no sticky latch either: each status is what the current screen says; the detectors
 * are written to be turn-aware (a reply above the latest user message is not "completed").
 */
import { CaoError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { formatSeconds } from '../lib/time.js';
import type { Detection, Provider, Status } from '../providers/provider.js';
import { evidence, stripAnsi } from '../providers/screen.js';
import {
  hostOfId,
  isHostUnreachable,
  type RuntimeEvent,
  type TerminalRuntime,
} from '../runtime/runtime.js';
import type { EventBus } from './events.js';

/** Quiet time after the last output before the screen is read: long enough to let a TUI
 * finish drawing one frame, short enough to keep detection latency well under 100 ms. */
export const CAPTURE_DEBOUNCE_MS = 30;
/** Upper bound between reads while output keeps coming (spinners redraw continuously). */
export const CAPTURE_MAX_WAIT_MS = 150;
/** Scrollback read with the screen, so the latest user message is found after long replies. */
export const DETECT_HISTORY_LINES = 200;
/**
 * How long a tentative completion (an answer without the CLI's end-of-turn mark, see
 * `Detection.tentative`) must stay on an unchanged screen before it is believed, when cao saw
 * the turn start. Codex 0.169 draws its mark (`Worked for …`) within a second of the end; a
 * release that never draws one still ends its turns, just this much later.
 */
export const TENTATIVE_SETTLE_MS = 10_000;
/**
 * How long a turn's first reading that still shows the previous turn's answer (the CLI took the
 * message and cleared its box but has not drawn it yet: Qwen Code resuming a conversation) must
 * stay unchanged before it is believed: a CLI draws a message it took within a few hundred ms,
 * and a reply identical to the one before still ends its turn, this much later.
 */
export const PREVIOUS_ANSWER_SETTLE_MS = 2_000;

/** Rules meaning the agent process is gone for good: no input will ever reach it. */
const GONE_RULES = new Set([
  'agent-exited',
  'window-closed',
  'session-closed',
  'pane-gone',
  'pane-dead',
  'cli-exited',
  'host-gone',
]);

const lineCount = (text: string): number => text.split('\n').length;

export const isGone = (d: Detection): boolean => d.status === 'error' && GONE_RULES.has(d.rule);

export interface TrackedTerminal {
  terminalId: string;
  session: string;
  paneId: string;
  windowId: string;
  provider: Provider;
}

interface Entry extends TrackedTerminal {
  detection: Detection;
  screen: string;
  timer: NodeJS.Timeout | undefined;
  firstDirtyAt: number | undefined;
  capturing: Promise<Detection> | undefined;
  dirtyAgain: boolean;
  /** Set once the agent exited or the window went away: the status is final. */
  final: Detection | undefined;
  /** cao submitted a turn and no end of it has been read yet. */
  turnOpen: boolean;
  /** The screen has shown the open turn at work (a `processing` read of its own). */
  sawWork: boolean;
  /** The latest `completed` reading (the answer it showed). */
  lastCompleted: Detection | undefined;
  /** The previous turn's answer when cao submitted the open turn, and how often it showed. */
  answerBefore: { key: string; count: number } | undefined;
  /** Believes a held tentative completion once the screen stayed the same long enough. */
  settle: NodeJS.Timeout | undefined;
}

interface Waiter {
  pred: (d: Detection) => boolean;
  resolve: (d: Detection) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface TrackerDeps {
  runtime: TerminalRuntime;
  bus: EventBus;
  log: Logger;
  /** Called on every status change (persist it). */
  onStatus?: (terminalId: string, status: Status) => void;
}

const UNKNOWN: Detection = { status: 'unknown', rule: 'not-read-yet', evidence: [] };

/** What a `completed` reading showed, to tell the previous turn's answer when it shows again. */
const answerKey = (d: Detection): string => `${d.rule}\n${d.evidence.join('\n')}`;

/**
 * How many lines of a screen read as a `completed` reading's first evidence line (compared the
 * way evidence is written: trimmed, rules shortened, long lines cut).
 */
function answerCount(d: Detection, screen: string): number {
  const line = d.evidence[0];
  if (line === undefined || line === '') return 0;
  let n = 0;
  for (const l of screen.split('\n')) if (evidence(l)[0] === line) n++;
  return n;
}

/** Why a detection within a turn cao submitted is not believed yet, if it is held. */
function heldReason(
  d: Detection,
  e: Pick<Entry, 'sawWork' | 'answerBefore' | 'screen'>,
): { rule: string; why: string; settleMs?: number } | undefined {
  if (d.status === 'completed' && d.tentative)
    return {
      rule: 'reply-without-end-mark',
      why: 'no end-of-turn mark yet: the reply may still be streaming',
    };
  // the message was taken (its box is empty) but the transcript still ends with the previous
  // turn's answer (a new answer of the same text shows that text once more)
  if (
    d.status === 'completed' &&
    !e.sawWork &&
    answerKey(d) === e.answerBefore?.key &&
    answerCount(d, e.screen) <= e.answerBefore.count
  )
    return {
      rule: 'previous-answer',
      why: "the screen still shows the previous turn's answer, not the message cao submitted",
      settleMs: PREVIOUS_ANSWER_SETTLE_MS,
    };
  if (d.status === 'idle' && d.rule === 'empty-prompt')
    return {
      rule: 'submitted-not-drawn',
      why: 'cao submitted a message the screen does not show yet',
    };
  // text with neither the turn's start nor the CLI at work in view, before any sign of work:
  // a screen cleared for a redraw, not a reply so long that it pushed the message out
  if (d.status === 'completed' && d.rule === 'long-reply' && !e.sawWork)
    return {
      rule: 'start-not-drawn',
      why: 'the screen shows neither the message cao submitted nor the CLI at work yet',
    };
  return undefined;
}

export class StatusTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly byPane = new Map<string, Entry>();
  private readonly sessions = new Map<string, () => void>();
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(private readonly deps: TrackerDeps) {}

  /** Starts tracking a terminal and reads its screen once. */
  async track(t: TrackedTerminal): Promise<Detection> {
    this.untrack(t.terminalId);
    const entry: Entry = {
      ...t,
      detection: UNKNOWN,
      screen: '',
      timer: undefined,
      firstDirtyAt: undefined,
      capturing: undefined,
      dirtyAgain: false,
      final: undefined,
      turnOpen: false,
      sawWork: false,
      lastCompleted: undefined,
      answerBefore: undefined,
      settle: undefined,
    };
    this.entries.set(t.terminalId, entry);
    this.byPane.set(t.paneId, entry);
    if (!this.sessions.has(t.session)) {
      this.sessions.set(
        t.session,
        this.deps.runtime.watch(t.session, (e) => this.onRuntimeEvent(t.session, e)),
      );
    }
    return this.read(entry);
  }

  untrack(terminalId: string): void {
    const e = this.entries.get(terminalId);
    if (!e) return;
    clearTimeout(e.timer);
    clearTimeout(e.settle);
    this.entries.delete(terminalId);
    this.byPane.delete(e.paneId);
    for (const w of this.waiters.get(terminalId) ?? []) {
      clearTimeout(w.timer);
      w.reject(new CaoError('NOT_FOUND', `Terminal ${terminalId} was deleted`));
    }
    this.waiters.delete(terminalId);
    if (![...this.entries.values()].some((x) => x.session === e.session)) {
      this.sessions.get(e.session)?.();
      this.sessions.delete(e.session);
    }
  }

  /** The pane a tracked terminal runs in. */
  paneId(terminalId: string): string | undefined {
    return this.entries.get(terminalId)?.paneId;
  }

  /** The tmux session a tracked terminal belongs to. */
  session(terminalId: string): string | undefined {
    return this.entries.get(terminalId)?.session;
  }

  isTracked(terminalId: string): boolean {
    return this.entries.has(terminalId);
  }

  /** The latest detection, or undefined for an untracked terminal. */
  get(terminalId: string): Detection | undefined {
    return this.entries.get(terminalId)?.detection;
  }

  /** The screen the latest detection was made from. */
  lastScreen(terminalId: string): string | undefined {
    return this.entries.get(terminalId)?.screen;
  }

  /** Reads the screen now (waiting for a read in progress) and returns the detection. */
  async refresh(terminalId: string): Promise<Detection> {
    const e = this.entries.get(terminalId);
    if (!e) throw new CaoError('NOT_FOUND', `Terminal ${terminalId} is not tracked`);
    if (e.capturing) {
      await e.capturing;
      // that read may have started before the caller's change: read once more
    }
    return this.read(e);
  }

  /**
   * Resolves with the first detection (current one included) for which `pred` holds; rejects
   * with TIMEOUT after `timeoutMs`, or NOT_FOUND when the terminal is deleted meanwhile.
   */
  waitFor(
    terminalId: string,
    pred: (d: Detection) => boolean,
    timeoutMs: number,
  ): Promise<Detection> {
    const e = this.entries.get(terminalId);
    if (!e)
      return Promise.reject(new CaoError('NOT_FOUND', `Terminal ${terminalId} is not tracked`));
    if (pred(e.detection)) return Promise.resolve(e.detection);
    return new Promise((resolve, reject) => {
      let set = this.waiters.get(terminalId);
      if (!set) this.waiters.set(terminalId, (set = new Set()));
      const waiter: Waiter = {
        pred,
        resolve,
        reject,
        timer: setTimeout(() => {
          set.delete(waiter);
          const d = this.entries.get(terminalId)?.detection;
          reject(
            new CaoError(
              'TIMEOUT',
              `Timed out after ${formatSeconds(timeoutMs)} waiting for terminal ${terminalId}`,
              {
                details: { terminal_id: terminalId, status: d?.status, rule: d?.rule },
              },
            ),
          );
        }, timeoutMs),
      };
      set.add(waiter);
    });
  }

  /**
   * cao just submitted input, so the agent is working on it until its screen says otherwise.
   * This marks the turn's start on the event stream even when the whole turn is over before
   * the next screen read (a fast model: `completed` to `completed` would publish nothing).
   */
  turnStarted(terminalId: string): void {
    const e = this.entries.get(terminalId);
    if (!e || e.final) return;
    e.turnOpen = true;
    e.sawWork = false;
    const before = e.lastCompleted;
    // counted once here, on the screen of the moment (the answer's lines are as they were)
    e.answerBefore = before && { key: answerKey(before), count: answerCount(before, e.screen) };
    if (e.detection.status === 'processing') return;
    this.apply(e, {
      status: 'processing',
      rule: 'input-submitted',
      evidence: ['cao submitted input; the screen is read next'],
    });
  }

  /** Stops watching everything. */
  close(): void {
    for (const id of [...this.entries.keys()]) this.untrack(id);
    for (const stop of this.sessions.values()) stop();
    this.sessions.clear();
  }

  private onRuntimeEvent(session: string, event: RuntimeEvent): void {
    switch (event.type) {
      case 'output': {
        const e = this.byPane.get(event.paneId);
        if (e) this.markDirty(e);
        return;
      }
      case 'pane-dead': {
        const e = this.byPane.get(event.paneId);
        if (e) void this.onPaneDead(e);
        return;
      }
      case 'window-closed':
        for (const e of this.entries.values()) {
          if (e.windowId === event.windowId)
            this.finalize(e, 'window-closed', 'the tmux window was closed');
        }
        return;
      case 'host-down':
        for (const e of this.entries.values()) {
          if (hostOfId(e.paneId) === event.host) this.unreachable(e, event.reason);
        }
        return;
      case 'host-gone':
        for (const e of this.entries.values()) {
          if (hostOfId(e.paneId) === event.host) this.finalize(e, 'host-gone', event.reason);
        }
        return;
      case 'host-up':
        for (const e of this.entries.values()) {
          if (hostOfId(e.paneId) === event.host && !e.final) this.markDirty(e);
        }
        return;
      case 'session-closed':
        for (const e of this.entries.values()) {
          if (e.session === session && !e.final) {
            // the control client may close for reasons other than the session ending
            void this.deps.runtime
              .hasSession(session)
              .then((alive) => {
                if (!alive) this.finalize(e, 'session-closed', `tmux session ${session} ended`);
              })
              .catch((x: unknown) => {
                if (isHostUnreachable(x)) this.unreachable(e, errorMessage(x));
              });
          }
        }
        if (this.sessions.has(session)) {
          this.sessions.get(session)?.();
          this.sessions.delete(session);
          // re-attach if the session is still there (the control client died, not the session)
          void this.deps.runtime
            .hasSession(session)
            .then((alive) => {
              if (alive && [...this.entries.values()].some((x) => x.session === session)) {
                this.sessions.set(
                  session,
                  this.deps.runtime.watch(session, (ev) => this.onRuntimeEvent(session, ev)),
                );
              }
            })
            .catch(() => {});
        }
        return;
    }
  }

  private markDirty(e: Entry): void {
    if (e.final) return;
    const now = Date.now();
    e.firstDirtyAt ??= now;
    clearTimeout(e.timer);
    const wait = Math.max(
      0,
      Math.min(CAPTURE_DEBOUNCE_MS, e.firstDirtyAt + CAPTURE_MAX_WAIT_MS - now),
    );
    e.timer = setTimeout(() => {
      e.timer = undefined;
      if (e.capturing) e.dirtyAgain = true;
      else void this.read(e);
    }, wait);
  }

  private read(e: Entry): Promise<Detection> {
    if (e.final) return Promise.resolve(e.final);
    e.firstDirtyAt = undefined;
    const p = (async (): Promise<Detection> => {
      try {
        const styled = e.provider.styled === true;
        let screen = await this.deps.runtime.capture(e.paneId, {
          history: DETECT_HISTORY_LINES,
          styled,
        });
        let d = e.provider.detect(screen);
        // a long reply pushed the turn's start out of the lines read: read them all, only then
        if (d.needsHistory && lineCount(screen) > DETECT_HISTORY_LINES) {
          screen = await this.deps.runtime.capture(e.paneId, { history: 'all', styled });
          d = e.provider.detect(screen);
        }
        if (!this.entries.has(e.terminalId) || e.final) return e.final ?? e.detection;
        const plain = styled ? stripAnsi(screen) : screen;
        const changed = plain !== e.screen;
        e.screen = plain;
        this.apply(e, this.withinTurn(e, d, changed));
      } catch (err) {
        if (this.entries.has(e.terminalId)) {
          // a host whose link is down: the agent is presumed to run on; read again when it is back
          if (isHostUnreachable(err)) this.unreachable(e, errorMessage(err));
          else {
            const state = await this.deps.runtime
              .paneState(e.paneId)
              .catch((x: unknown) => (isHostUnreachable(x) ? 'unreachable' : undefined));
            if (state === 'unreachable') this.unreachable(e, errorMessage(err));
            else if (!state)
              this.finalize(e, 'pane-gone', `the pane can no longer be read: ${errorMessage(err)}`);
          }
        }
      }
      return e.final ?? e.detection;
    })();
    e.capturing = p;
    void p.finally(() => {
      if (e.capturing === p) e.capturing = undefined;
      if (e.dirtyAgain) {
        e.dirtyAgain = false;
        this.markDirty(e);
      }
    });
    return p;
  }

  private async onPaneDead(e: Entry): Promise<void> {
    let state = await this.deps.runtime.paneState(e.paneId).catch(() => undefined);
    // tmux marks the pane dead when its pty closes and records the exit status when it reaps
    // the process, a moment later
    for (let i = 0; i < 10 && state?.dead && state.deadStatus === undefined; i++) {
      await new Promise((r) => setTimeout(r, 30));
      state = await this.deps.runtime.paneState(e.paneId).catch(() => undefined);
    }
    try {
      e.screen = await this.deps.runtime.capture(e.paneId, { history: DETECT_HISTORY_LINES });
    } catch {
      // keep the last screen we had
    }
    const status = state?.deadStatus;
    this.finalize(
      e,
      'agent-exited',
      `the agent process exited${status === undefined ? '' : ` with status ${status}`}`,
    );
  }

  /**
   * What a turn cao saw start makes of a detection. Three readings are held as processing
   * while the turn may still be on its way, and believed once the screen has not changed for
   * TENTATIVE_SETTLE_MS: a tentative completion (an answer with no end-of-turn mark, while the
   * reply may still stream); an empty prompt with no message in the transcript (the CLI took
   * the message but has not drawn it yet: Gemini CLI clears its box first); and a "long
   * reply" (text without the turn's start) before the screen ever showed the turn at work (a
   * cleared screen being redrawn). Any other end closes the turn.
   */
  private withinTurn(e: Entry, d: Detection, changed: boolean): Detection {
    // none of these ends a turn: a frame read mid-redraw (`unknown`) least of all
    if (d.status === 'unknown') return d;
    if (d.status === 'processing' || d.status === 'waiting_user_answer') {
      if (d.status === 'processing') e.sawWork = true;
      // the turn shows it goes on: a reading held before (the prompt before the CLI drew the
      // message) is no longer the screen, and is not believed later
      clearTimeout(e.settle);
      e.settle = undefined;
      return d;
    }
    const held = e.turnOpen ? heldReason(d, e) : undefined;
    if (!held) {
      e.turnOpen = false;
      clearTimeout(e.settle);
      e.settle = undefined;
      return d;
    }
    if (changed || !e.settle) {
      clearTimeout(e.settle);
      e.settle = setTimeout(() => {
        e.settle = undefined;
        if (!this.entries.has(e.terminalId) || e.final || !e.turnOpen) return;
        e.turnOpen = false;
        this.apply(e, d);
      }, held.settleMs ?? TENTATIVE_SETTLE_MS);
    }
    return { status: 'processing', rule: held.rule, evidence: [...d.evidence, held.why] };
  }

  /** The terminal's host cannot be reached now: status unknown (not ready, not gone). */
  private unreachable(e: Entry, why: string): void {
    if (e.final) return;
    this.apply(e, { status: 'unknown', rule: 'host-unreachable', evidence: [why] });
  }

  private finalize(e: Entry, rule: string, why: string): void {
    if (e.final) return;
    const tail = e.screen
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '')
      .slice(-3);
    const d: Detection = { status: 'error', rule, evidence: [why, ...tail] };
    this.apply(e, d);
    e.final = d;
    clearTimeout(e.timer);
    clearTimeout(e.settle);
  }

  private apply(e: Entry, d: Detection): void {
    const previous = e.detection.status;
    e.detection = d;
    if (d.status === 'completed') e.lastCompleted = d;
    if (d.status !== previous) {
      // the sequence behind a turn that ended too soon or never, for whoever reads the log
      this.deps.log.debug('status', {
        terminal: e.terminalId,
        status: d.status,
        previous,
        rule: d.rule,
        evidence: d.evidence[0]?.slice(0, 120),
      });
      this.deps.bus.publish({
        type: 'terminal.status',
        terminal_id: e.terminalId,
        session: e.session,
        status: d.status,
        previous,
        rule: d.rule,
        evidence: d.evidence,
        ...(d.status === 'waiting_user_answer' && d.question ? { question: d.question } : {}),
      });
      this.deps.onStatus?.(e.terminalId, d.status);
    }
    const set = this.waiters.get(e.terminalId);
    if (!set) return;
    for (const w of [...set]) {
      if (w.pred(d)) {
        set.delete(w);
        clearTimeout(w.timer);
        w.resolve(d);
      }
    }
  }
}
