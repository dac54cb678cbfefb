/**
 * Conversation turns, owned by the server. A turn is one message delivered to a terminal (its
 * id is the ledger message's id) and the work it started, up to the screen that ended it:
 * completed (with the answer), error, waiting_user_answer (with the question), or interrupted
 * (someone stopped it before it answered). The end is recorded when it happens, whether or not
 * anyone is waiting, so a client that asks late, or asks again after losing its connection,
 * gets the same outcome. Clients never decide this themselves: they send (`send`) and ask
 * (`await`, `get`).
 */
import { CaoError, errorMessage } from '../lib/errors.js';
import { assertTerminalId } from '../lib/names.js';
import type { Detection, Status } from '../providers/provider.js';
import type { MessageRecord, MessageState } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import type { StampedEvent } from './events.js';
import { acceptsInput, type Ledger } from './ledger.js';
import { showsMessage } from './message-text.js';
import type { AnswerSource, TerminalService } from './terminals.js';
import { isGone } from './tracker.js';

export type Outcome =
  'completed' | 'error' | 'waiting_user_answer' | 'interrupted' | 'timeout' | 'failed';

export interface Question {
  text: string;
  options: string[];
}

export interface TurnOutcome {
  terminal_id: string;
  /** The turn's id: the id of the message that started it. */
  turn_id: number;
  message_id: number;
  outcome: Outcome;
  status: Status | null;
  rule: string | null;
  evidence: string[];
  /** The agent's last answer (when it finished, or errored with text). */
  output: string | null;
  /** Where `output` was read: the CLI's session log (exact) or the screen. */
  output_source?: AnswerSource;
  /** With waiting_user_answer: the question and its options, when the screen shows them. */
  question: Question | null;
  /** The agent process is gone for good (it exited, its window closed). */
  gone: boolean;
  /** Why the message never reached the agent (outcome 'failed'). */
  error: string | null;
  message_state: MessageState;
}

export interface TurnStart {
  terminal_id: string;
  session: string;
  turn_id: number;
  message_id: number;
  /** The message's delivery state when this call returned. */
  state: MessageState;
}

export interface TurnState {
  terminal_id: string;
  turn_id: number;
  /** queued: not delivered yet; running: delivered, not ended; ended: see `outcome`. */
  state: 'queued' | 'running' | 'ended';
  message_state: MessageState;
  outcome: TurnOutcome | null;
}

export type SendMode = 'now' | 'queue';

export interface SendOptions {
  /** now: only when the agent can take it at once (else CONFLICT, saying why); queue: the
   *  ledger delivers it when the agent is ready. */
  mode: SendMode;
  /** Who sends it (default `user`). */
  senderId?: string | undefined;
}

/** Ended turns kept for late askers (oldest dropped first). */
const MAX_ENDED = 2000;
/** How long `send` in `now` mode waits for the agent to take the message. */
const NOW_DELIVERY_MS = 60_000;

interface LiveTurn {
  terminalId: string;
  messageId: number;
  sawWork: boolean;
  settled: boolean;
  done: Promise<TurnOutcome>;
  resolve(o: TurnOutcome): void;
}

export class TurnService {
  /** The latest delivered turn of each terminal. */
  private readonly live = new Map<string, LiveTurn>();
  private readonly ended = new Map<number, TurnOutcome>();
  /** Terminals whose ended turn is being read (its answer); the next input waits for it. */
  private readonly reading = new Map<string, Promise<unknown>>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: CoreDeps,
    private readonly terminals: TerminalService,
    private readonly ledger: Ledger,
  ) {}

  start(): void {
    this.unsubscribe ??= this.deps.bus.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Resolves once the answer of the terminal's last ended turn has been read. */
  settled(terminalId: string): Promise<void> {
    const p = this.reading.get(terminalId);
    return p
      ? p.then(
          () => undefined,
          () => undefined,
        )
      : Promise.resolve();
  }

  /**
   * Sends `text` to the terminal as it is (no footer: slash commands keep working). Returns
   * the turn it starts. In `now` mode the server first decides whether the agent can take it
   * and refuses with the reason (busy, asking a question, starting, gone) rather than queue it,
   * then waits until the agent took it (an error if it could not).
   */
  async send(terminalId: string, text: string, o: SendOptions): Promise<TurnStart> {
    const t = await this.terminals.record(terminalId);
    if (o.mode === 'now') await this.assertTakesInputNow(terminalId);
    let m = await this.ledger.enqueue({
      senderId: o.senderId ?? 'user',
      receiverId: t.id,
      message: text,
      orchestrationType: 'user',
    });
    if (o.mode === 'now') {
      m = await this.waitDelivered(m, Date.now() + NOW_DELIVERY_MS);
      if (m.state === 'failed') {
        throw new CaoError(
          'AGENT_FAILED',
          `The message was not delivered to terminal ${t.id}: ${m.error ?? 'unknown reason'}.`,
          { details: { terminal_id: t.id, message_id: m.id } },
        );
      }
    }
    return {
      terminal_id: t.id,
      session: t.session,
      turn_id: m.id,
      message_id: m.id,
      state: m.state,
    };
  }

  /** Where the turn is now, without waiting. */
  async get(terminalId: string, turnId: number): Promise<TurnState> {
    const m = await this.message(terminalId, turnId);
    const ended = this.ended.get(m.id);
    if (ended)
      return {
        terminal_id: m.receiverId,
        turn_id: m.id,
        state: 'ended',
        message_state: m.state,
        outcome: ended,
      };
    if (m.state === 'failed') {
      const outcome = this.failedOutcome(m, m.error);
      return {
        terminal_id: m.receiverId,
        turn_id: m.id,
        state: 'ended',
        message_state: m.state,
        outcome,
      };
    }
    return {
      terminal_id: m.receiverId,
      turn_id: m.id,
      state: m.state === 'delivered' ? 'running' : 'queued',
      message_state: m.state,
      outcome: null,
    };
  }

  /**
   * Waits until turn `turnId` (message `turnId` to `terminalId`) ended, at most `timeoutMs`:
   * the outcome, or `timeout` (the agent keeps working; ask again later), or `failed` at once
   * when the message could not be delivered.
   */
  async await(terminalId: string, turnId: number, timeoutMs: number): Promise<TurnOutcome> {
    const deadline = Date.now() + timeoutMs;
    let m = await this.message(terminalId, turnId);
    const known = this.ended.get(m.id);
    if (known) return known;
    m = await this.waitDelivered(m, deadline);
    if (m.state === 'failed') return this.failedOutcome(m, m.error);
    if (m.state !== 'delivered') return this.timedOut(m);
    const ended = this.ended.get(m.id);
    if (ended) return ended;
    const t = this.live.get(terminalId);
    if (t?.messageId === m.id) return this.raceDeadline(t.done, m, deadline);
    // delivered before this server started (a restart): judge from the screen from now on
    return this.awaitFromScreen(m, deadline);
  }

  private async message(terminalId: string, turnId: number): Promise<MessageRecord> {
    assertTerminalId(terminalId);
    const m = await this.deps.store.getMessage(turnId);
    if (!m || m.receiverId !== terminalId) {
      throw new CaoError('NOT_FOUND', `Turn ${turnId} of terminal ${terminalId} not found`);
    }
    return m;
  }

  /** Refuses, with the reason and what to do, when the terminal cannot take a message now. */
  private async assertTakesInputNow(terminalId: string): Promise<void> {
    const t = await this.terminals.record(terminalId);
    const d = this.deps.tracker.get(terminalId);
    const details = {
      terminal_id: terminalId,
      status: d?.status ?? t.status,
      rule: d?.rule ?? null,
      evidence: d?.evidence ?? [],
      question: d?.question ?? null,
    };
    const refuse = (why: string): never => {
      throw new CaoError('CONFLICT', why, { details });
    };
    if (!d || !t.readyAt) {
      refuse(
        `Terminal ${terminalId} is still starting. Send with --queue to deliver it once it is ready.`,
      );
    } else if (isGone(d)) {
      refuse(
        `Terminal ${terminalId} cannot take input: ${d.evidence[0] ?? d.rule}. Shut the session down with 'cao shutdown --session ${t.session}' and launch it again.`,
      );
    } else if (d.status === 'waiting_user_answer') {
      refuse(
        `Terminal ${terminalId} is waiting for an answer (${d.question?.text ?? d.evidence[0] ?? d.rule}). Answer it first with 'cao agent answer ${terminalId} <option>'.`,
      );
    } else if (!acceptsInput(d)) {
      refuse(
        `Terminal ${terminalId} is busy (${d.status}${d.evidence[0] ? `: ${d.evidence[0]}` : ''}). Send with --queue to deliver it when the agent is ready, or wait and check with 'cao session status ${t.session}'.`,
      );
    }
    // a spent budget is the reason, not the messages it holds
    const held = await this.ledger.heldReason(terminalId);
    if (held) refuse(`Not sent: ${held}.`);
    const queued = await this.deps.store.headMessage(terminalId);
    if (queued) {
      refuse(
        `Terminal ${terminalId} has messages queued (the first is ${queued.id}, ${queued.state}). Send with --queue to deliver this one after them.`,
      );
    }
  }

  private onEvent(e: StampedEvent): void {
    if (e.type === 'message.state' && e.state === 'delivered')
      this.begin(e.receiver_id, e.message_id);
    else if (e.type === 'terminal.status') {
      const t = this.live.get(e.terminal_id);
      const d = this.deps.tracker.get(e.terminal_id);
      if (t && !t.settled && d) this.observe(t, d);
    } else if (e.type === 'terminal.deleted') {
      const t = this.live.get(e.terminal_id);
      this.live.delete(e.terminal_id);
      this.reading.delete(e.terminal_id);
      if (t && !t.settled) {
        t.settled = true;
        void this.deps.store.getMessage(t.messageId).then((m) => {
          if (m) this.record(t, this.failedOutcome(m, `terminal ${e.terminal_id} was deleted`));
        });
      }
    }
  }

  private begin(terminalId: string, messageId: number): void {
    const previous = this.live.get(terminalId);
    if (previous && !previous.settled) {
      // the ledger only delivers to a ready agent: the previous turn is over
      const d = this.deps.tracker.get(terminalId);
      if (d) this.finish(previous, d);
    }
    let resolve!: (o: TurnOutcome) => void;
    const done = new Promise<TurnOutcome>((r) => (resolve = r));
    const d = this.deps.tracker.get(terminalId);
    const t: LiveTurn = { terminalId, messageId, sawWork: false, settled: false, done, resolve };
    this.live.set(terminalId, t);
    // the screen read right after the submission may already be the turn's end
    if (d) this.observe(t, d);
  }

  /** Statuses that end a turn; `idle` only after work was seen (a CLI that shows no answer). */
  private observe(t: LiveTurn, d: Detection): void {
    if (d.status === 'processing') t.sawWork = true;
    else if (
      d.status === 'completed' ||
      d.status === 'error' ||
      d.status === 'waiting_user_answer' ||
      (d.status === 'idle' && t.sawWork)
    ) {
      this.finish(t, d);
    }
  }

  private finish(t: LiveTurn, d: Detection): void {
    t.settled = true;
    // the screen this detection was made from, before anything else is typed
    const screen = this.deps.tracker.lastScreen(t.terminalId);
    const reading = (async () => {
      const m = await this.deps.store.getMessage(t.messageId);
      if (!m) return;
      this.record(t, await this.outcome(m, d, screen));
    })().catch((e: unknown) =>
      this.deps.log.warn('could not read the end of a turn', {
        terminalId: t.terminalId,
        error: errorMessage(e),
      }),
    );
    this.reading.set(t.terminalId, reading);
    void reading.finally(() => {
      if (this.reading.get(t.terminalId) === reading) this.reading.delete(t.terminalId);
    });
  }

  private record(t: LiveTurn, o: TurnOutcome): void {
    this.ended.set(o.turn_id, o);
    if (this.ended.size > MAX_ENDED) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
    t.resolve(o);
    const session = this.deps.tracker.session(t.terminalId);
    this.deps.bus.publish({
      type: 'turn.ended',
      terminal_id: o.terminal_id,
      session: session ?? '',
      turn_id: o.turn_id,
      outcome: o.outcome,
      status: o.status,
      rule: o.rule,
    });
  }

  /** The outcome of a turn that ended with detection `d`, read from `screen`. */
  private async outcome(
    m: MessageRecord,
    d: Detection,
    screen: string | undefined,
  ): Promise<TurnOutcome> {
    let outcome: Outcome = d.status === 'idle' ? 'completed' : (d.status as Outcome);
    // An idle screen after work is a finished turn for CLIs that show nothing else, unless the
    // turn was cut short: then the last answer on the screen is an older turn's.
    if (
      d.status === 'idle' &&
      (d.rule === 'interrupted' ||
        (d.rule === 'input-pending' && (await this.backInBox(m, screen))))
    )
      outcome = 'interrupted';
    let output: string | null = null;
    let source: AnswerSource | undefined;
    if (outcome === 'completed' || outcome === 'error') {
      const read = await this.terminals.output(m.receiverId, 'last', m).catch(() => undefined);
      output = read?.output ?? null;
      source = read?.source;
    }
    return {
      terminal_id: m.receiverId,
      turn_id: m.id,
      message_id: m.id,
      outcome,
      status: d.status,
      rule: d.rule,
      evidence: d.evidence,
      output,
      ...(source ? { output_source: source } : {}),
      question: d.status === 'waiting_user_answer' ? (d.question ?? null) : null,
      gone: isGone(d),
      error: null,
      message_state: 'delivered',
    };
  }

  /** The message is back in the terminal's input box (the CLI gave it back on interrupt). */
  private async backInBox(m: MessageRecord, screen: string | undefined): Promise<boolean> {
    if (screen === undefined) return false;
    const t = await this.terminals.record(m.receiverId).catch(() => undefined);
    if (!t) return false;
    const box = this.terminals.provider(t).inputText(screen);
    return box !== undefined && box !== '' && showsMessage(box, m);
  }

  private failedOutcome(m: MessageRecord, error: string | null): TurnOutcome {
    return {
      terminal_id: m.receiverId,
      turn_id: m.id,
      message_id: m.id,
      outcome: 'failed',
      status: null,
      rule: null,
      evidence: [],
      output: null,
      question: null,
      gone: false,
      error,
      message_state: m.state,
    };
  }

  private timedOut(m: MessageRecord): TurnOutcome {
    const d = this.deps.tracker.get(m.receiverId);
    return {
      terminal_id: m.receiverId,
      turn_id: m.id,
      message_id: m.id,
      outcome: 'timeout',
      status: d?.status ?? null,
      rule: d?.rule ?? null,
      evidence: d?.evidence ?? [],
      output: null,
      question: d?.question ?? null,
      gone: false,
      error: null,
      message_state: m.state,
    };
  }

  private async raceDeadline(
    done: Promise<TurnOutcome>,
    m: MessageRecord,
    deadline: number,
  ): Promise<TurnOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>(
      (r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()), undefined)),
    );
    try {
      return (await Promise.race([done, late])) ?? this.timedOut(m);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A turn this server did not see start: it ends at the next ending status of the screen. */
  private async awaitFromScreen(m: MessageRecord, deadline: number): Promise<TurnOutcome> {
    let sawWork = false;
    const ended = (d: Detection): boolean => {
      if (d.status === 'processing') sawWork = true;
      return (
        d.status === 'completed' ||
        d.status === 'error' ||
        d.status === 'waiting_user_answer' ||
        (d.status === 'idle' && sawWork)
      );
    };
    let d: Detection;
    try {
      d = await this.deps.tracker.waitFor(m.receiverId, ended, Math.max(1, deadline - Date.now()));
    } catch (e) {
      if (e instanceof CaoError && e.code === 'TIMEOUT') return this.timedOut(m);
      return this.failedOutcome(m, errorMessage(e));
    }
    return this.outcome(m, d, this.deps.tracker.lastScreen(m.receiverId));
  }

  /** Resolves with the message once it is delivered or failed, or at the deadline. */
  private waitDelivered(m: MessageRecord, deadline: number): Promise<MessageRecord> {
    if (m.state === 'delivered' || m.state === 'failed') return Promise.resolve(m);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
        void this.deps.store.getMessage(m.id).then((x) => resolve(x ?? m));
      };
      const unsubscribe = this.deps.bus.subscribe((e) => {
        if (
          e.type === 'message.state' &&
          e.message_id === m.id &&
          (e.state === 'delivered' || e.state === 'failed')
        )
          done();
      });
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      // it may have moved between the read and the subscription
      void this.deps.store.getMessage(m.id).then((x) => {
        if (x && (x.state === 'delivered' || x.state === 'failed')) done();
      });
    });
  }
}
