/**
 * The delivery ledger: every message to an agent (send_message, an assigned or handed-off
 * task, a notice from cao) is a row that moves pending → submitting → delivered, or to failed
 * with a reason. Nothing is lost or delivered twice, even when cao-server is killed at any
 * moment:
 *
 * - A message is marked `submitting` (committed) before it is pasted, and `delivered` once the
 *   agent took it (the submission is confirmed from the screen, see input.ts).
 * - The text carries a marker (`cao message <id>`). A message found in `submitting` (after a
 *   crash, or after a failed attempt) is resolved from the screen: marker in the transcript →
 *   delivered; marker still in the input box → press Enter; nowhere → send again.
 * - Each receiver has one queue, served oldest first, one message at a time, and only when the
 *   receiver is ready (idle or completed): order per sender is kept and a busy agent is never
 *   interrupted. The next message goes after the agent finishes the turn the previous one
 *   started.
 * - Messages to a terminal that is gone or exited fail, and the sender is told in its inbox.
 * - Messages to a terminal whose budget is spent (core/budgets.ts) stay pending with the reason,
 *   and each sender is told once; a person's message to it is refused with the reason.
 *
 * Triggers are events (a receiver became ready, a message was enqueued, a retry came due), never
 * a polling loop.
 */
import { CaoError, errorMessage } from '../lib/errors.js';
import { isTerminalId } from '../lib/names.js';
import { isoNow, sleep } from '../lib/time.js';
import { getProvider } from '../providers/index.js';
import { isReadyStatus, type Detection } from '../providers/provider.js';
import type { MessageFilter, MessageRecord, MessageState, NewMessage } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import { acceptMessage } from './input.js';
import { composeMessage, markerCount, showsMessage } from './message-text.js';
import type { TerminalService } from './terminals.js';
import { isGone } from './tracker.js';

/** Attempts (submissions and screen checks) before a message fails. */
export const MAX_ATTEMPTS = 5;
/** Waits between attempts; the last one repeats. */
const BACKOFF_MS = [500, 2000, 5000, 10_000, 20_000];
/** How long a pressed Enter may take to show the message in the transcript. */
const RECOVER_CONFIRM_MS = 3000;

export const SYSTEM_SENDER = 'cao';

/** How often the queue of a terminal whose CLI died while starting is looked at again. */
const START_FAILURE_WAIT_MS = 1000;

/** A terminal can take input: ready (idle, completed), or showing an error it recovered from
 *  (an API error banner above its prompt), as opposed to a terminal whose agent is gone. */
export const acceptsInput = (d: Detection): boolean =>
  isReadyStatus(d.status) || (d.status === 'error' && !isGone(d));

export interface LedgerOptions {
  /** CAO_ENABLE_SENDER_ID_INJECTION (default true): say who sent a message and how to reply. */
  injectSender: boolean;
  /** Resolves when the receiver's previous turn has been read to its end (its answer taken
   *  off the screen), so the next message never lands on a screen still being read. */
  beforeDelivery?: (receiverId: string) => Promise<void>;
  /** Why new messages to this receiver are held (its budget is spent: core/budgets.ts), or
   *  undefined when they may be delivered. */
  held?: (receiverId: string) => Promise<string | undefined>;
}

/** Words every hold reason carries (core/budgets.ts), so a sender is told once per message. */
const HELD_MARK = 'has spent its';

export class Ledger {
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly deps: CoreDeps,
    private readonly terminals: TerminalService,
    private readonly options: LedgerOptions = { injectSender: true },
  ) {}

  /** Starts serving queues: reacts to status changes and resumes whatever was queued. */
  async start(): Promise<void> {
    this.unsubscribe = this.deps.bus.subscribe((e) => {
      if (e.type === 'terminal.status' && (isReadyStatus(e.status) || e.status === 'error'))
        this.kick(e.terminal_id);
      else if (e.type === 'terminal.deleted' || e.type === 'terminal.ready')
        this.kick(e.terminal_id);
    });
    for (const receiver of await this.deps.store.receiversWithQueue()) this.kick(receiver);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Queues a message and tries to deliver it right away. */
  async enqueue(input: NewMessage): Promise<MessageRecord> {
    const m = { ...input, message: acceptMessage(input.message) };
    if (m.senderId === m.receiverId)
      throw new CaoError('INVALID_INPUT', 'A terminal cannot send a message to itself.');
    if (!(await this.deps.store.getTerminal(m.receiverId))) {
      throw new CaoError(
        'NOT_FOUND',
        `Terminal '${m.receiverId}' not found; cannot queue a message for it.`,
      );
    }
    // a person's message (`cao session send`) to a terminal whose budget is spent is refused
    // with the reason, rather than queued behind it
    const held =
      m.orchestrationType === 'user' ? await this.options.held?.(m.receiverId) : undefined;
    if (held) throw new CaoError('CONFLICT', `Not sent: ${held}.`);
    const record = await this.deps.store.insertMessage(m, isoNow());
    this.publish(record, 'pending');
    this.kick(m.receiverId);
    return record;
  }

  /** Why messages to `receiverId` are held now (its budget is spent), else undefined. */
  heldReason(receiverId: string): Promise<string | undefined> {
    return this.options.held?.(receiverId) ?? Promise.resolve(undefined);
  }

  /** The oldest message to `receiverId` not delivered or failed yet. */
  head(receiverId: string): Promise<MessageRecord | undefined> {
    return this.deps.store.headMessage(receiverId);
  }

  get(id: number): Promise<MessageRecord | undefined> {
    return this.deps.store.getMessage(id);
  }

  /** Newest first. */
  list(filter: MessageFilter): Promise<MessageRecord[]> {
    return this.deps.store.listMessages(filter);
  }

  /** Fails every queued message of a receiver (e.g. its start-up failed), telling senders. */
  async failQueue(receiverId: string, reason: string): Promise<void> {
    for (;;) {
      const m = await this.deps.store.headMessage(receiverId);
      if (!m) return;
      await this.fail(m, reason);
    }
  }

  /** Serves a receiver's queue (one runner per receiver; a kick during a run re-runs it). */
  kick(receiverId: string): void {
    if (this.stopped) return;
    if (this.running.has(receiverId)) {
      this.again.add(receiverId);
      return;
    }
    this.running.add(receiverId);
    void (async () => {
      try {
        for (;;) {
          this.again.delete(receiverId);
          const next = await this.step(receiverId).catch((e: unknown) => {
            this.deps.log.error('ledger step failed', { receiverId, error: errorMessage(e) });
            return 'wait' as const;
          });
          if (this.stopped) return;
          if (next === 'again' || this.again.has(receiverId)) continue;
          return;
        }
      } finally {
        this.running.delete(receiverId);
      }
    })();
  }

  private async step(receiverId: string): Promise<'again' | 'wait'> {
    const { store, tracker } = this.deps;
    const m = await store.headMessage(receiverId);
    if (!m) return 'wait';
    await this.options.beforeDelivery?.(receiverId);
    if (m.nextAttemptAt && Date.parse(m.nextAttemptAt) > Date.now()) {
      this.retryAt(receiverId, Date.parse(m.nextAttemptAt));
      return 'wait';
    }
    const terminal = await store.getTerminal(receiverId);
    if (!terminal) {
      await this.fail(m, `terminal ${receiverId} no longer exists`);
      return 'again';
    }
    const d = tracker.get(receiverId);
    if (!d) return 'wait'; // not tracked yet (being created or adopted); its first status kicks us
    if (isGone(d)) {
      // a CLI that died while starting: its start-up fails its queue with the whole reason
      // (launcher.ts `onStartFailed`), unless that never comes (then this does, later)
      const starting =
        !terminal.readyAt &&
        Date.now() - Date.parse(terminal.createdAt) < this.deps.timing.initTimeoutMs;
      if (starting) {
        this.retryAt(receiverId, Date.now() + START_FAILURE_WAIT_MS);
        return 'wait';
      }
      await this.fail(m, `terminal ${receiverId} is gone: ${d.evidence[0] ?? d.rule}`);
      return 'again';
    }
    if (m.state === 'submitting') return this.resolve(m);
    const held = await this.options.held?.(receiverId);
    if (held) {
      await this.hold(receiverId, held);
      return 'wait';
    }
    if (!acceptsInput(d)) return 'wait';
    // still starting (dialogs, cao's MCP tools not listed yet): `terminal.ready` kicks us
    if (!terminal.readyAt) return 'wait';
    const now = isoNow();
    const claimed = await store.transitionMessage(
      m.id,
      ['pending'],
      { state: 'submitting', attempts: m.attempts + 1, nextAttemptAt: null },
      now,
    );
    if (!claimed) return 'again';
    this.publish({ ...m, attempts: m.attempts + 1 }, 'submitting');
    const provider = getProvider(terminal.provider);
    const prefix =
      m.orchestrationType === 'handoff' && provider.handoffPrefix
        ? provider.handoffPrefix(m.senderId)
        : '';
    try {
      await this.terminals.sendInput(
        receiverId,
        composeMessage(m, this.options.injectSender, prefix),
      );
      await this.delivered(m);
    } catch (e) {
      await this.later({ ...m, attempts: m.attempts + 1 }, errorMessage(e));
    }
    return 'again';
  }

  /**
   * A message in `submitting` whose fate is unknown (cao died mid-send, or the last attempt
   * failed): decide from the screen, never by sending blindly.
   */
  private async resolve(m: MessageRecord): Promise<'again' | 'wait'> {
    const { runtime, tracker, store } = this.deps;
    const terminal = await store.getTerminal(m.receiverId);
    const pane = tracker.paneId(m.receiverId);
    if (!terminal || !pane) return 'wait';
    const provider = getProvider(terminal.provider);
    const screenNow = async (): Promise<{
      seen: boolean;
      inBox: boolean;
      box: string | undefined;
    }> => {
      const history = await runtime.capture(pane, { history: 'all' });
      const box = provider.inputText(await runtime.capture(pane));
      const inBox = box !== undefined && showsMessage(box, m);
      // a marker counts once per appearance: the one in the box is not in the transcript
      const seen =
        m.orchestrationType === 'user'
          ? !inBox && showsMessage(history, m)
          : markerCount(history, m.id) - (inBox ? 1 : 0) > 0;
      return { seen, inBox, box };
    };
    let s = await screenNow();
    this.deps.log.info('resolving a message caught mid-send', {
      id: m.id,
      receiver: m.receiverId,
      seen: s.seen,
      inBox: s.inBox,
    });
    if (s.seen) {
      await this.delivered(m);
      return 'again';
    }
    if (m.attempts >= MAX_ATTEMPTS) {
      await this.fail(
        m,
        `not delivered after ${m.attempts} attempts: ${m.error ?? 'the agent did not take it'}`,
      );
      return 'again';
    }
    const d = tracker.get(m.receiverId);
    // typing into a busy agent queues or interrupts; wait for its turn to end first
    if (!d || !acceptsInput(d)) return 'wait';
    if (s.inBox || (s.box !== undefined && s.box !== '')) {
      // our text (or a collapsed paste of it) waits in the input box: submit it, then check
      await store.transitionMessage(m.id, ['submitting'], { attempts: m.attempts + 1 }, isoNow());
      await this.terminals.serialize(m.receiverId, async () => {
        await runtime.cancelMode(pane);
        await runtime.sendKeys(pane, ['Enter']);
      });
      const end = Date.now() + RECOVER_CONFIRM_MS;
      while (Date.now() < end && !s.seen) {
        await sleep(100);
        s = await screenNow();
      }
      if (s.seen) await this.delivered(m);
      else
        await this.later(
          { ...m, attempts: m.attempts + 1 },
          'pressed Enter on a waiting message; it did not appear',
        );
      return 'again';
    }
    if (m.orchestrationType === 'user' && m.error === null) {
      // a message without a marker, caught mid-send by a crash: whether it reached the agent
      // cannot be told for sure from its screen, and sending it again could do the work twice
      await this.fail(
        m,
        "cao-server stopped while this message was being typed, and it does not show on the agent's screen; it was not sent again, to avoid doing the work twice. Check the agent and send it again if needed",
      );
      return 'again';
    }
    // not on screen at all: it never reached the agent; send it again
    await store.transitionMessage(m.id, ['submitting'], { state: 'pending' }, isoNow());
    this.publish(m, 'pending');
    return 'again';
  }

  private async delivered(m: MessageRecord): Promise<void> {
    const now = isoNow();
    if (
      await this.deps.store.transitionMessage(
        m.id,
        ['submitting'],
        { state: 'delivered', deliveredAt: now, error: null },
        now,
      )
    ) {
      this.publish(m, 'delivered');
    }
  }

  /** Keeps the message in `submitting` and comes back after a backoff to resolve it. */
  private async later(m: MessageRecord, error: string): Promise<void> {
    const wait = BACKOFF_MS[Math.min(m.attempts - 1, BACKOFF_MS.length - 1)] ?? 20_000;
    const at = Date.now() + wait;
    await this.deps.store.transitionMessage(
      m.id,
      ['submitting'],
      { error, nextAttemptAt: new Date(at).toISOString() },
      isoNow(),
    );
    this.deps.log.warn('message delivery will be retried', {
      id: m.id,
      receiver: m.receiverId,
      attempts: m.attempts,
      error,
    });
    this.retryAt(m.receiverId, at);
  }

  private async fail(m: MessageRecord, reason: string): Promise<void> {
    const now = isoNow();
    if (
      !(await this.deps.store.transitionMessage(
        m.id,
        ['pending', 'submitting'],
        { state: 'failed', error: reason },
        now,
      ))
    ) {
      return;
    }
    this.publish({ ...m, error: reason }, 'failed');
    // tell the sender, if it is a live terminal (never about a notice: no loops)
    if (
      m.orchestrationType !== 'notice' &&
      isTerminalId(m.senderId) &&
      (await this.deps.store.getTerminal(m.senderId))
    ) {
      await this.enqueue({
        senderId: SYSTEM_SENDER,
        receiverId: m.senderId,
        orchestrationType: 'notice',
        message: `Your message ${m.id} to terminal ${m.receiverId} could not be delivered: ${reason}.`,
      }).catch((e: unknown) =>
        this.deps.log.warn('could not notify sender', { error: errorMessage(e) }),
      );
    }
  }

  /** Keeps the receiver's pending messages pending with the reason, telling each sender once
   *  (a budget raised later lets them through: `kick`). */
  private async hold(receiverId: string, reason: string): Promise<void> {
    const waiting = await this.deps.store.listMessages({ receiverId, states: ['pending'] }, true);
    for (const m of waiting) {
      if (m.error?.includes(HELD_MARK)) continue;
      if (
        !(await this.deps.store.transitionMessage(m.id, ['pending'], { error: reason }, isoNow()))
      )
        continue;
      this.publish({ ...m, error: reason }, 'pending');
      this.deps.log.info('message held: budget spent', { id: m.id, receiver: receiverId });
      if (
        m.orchestrationType !== 'notice' &&
        isTerminalId(m.senderId) &&
        (await this.deps.store.getTerminal(m.senderId))
      ) {
        await this.enqueue({
          senderId: SYSTEM_SENDER,
          receiverId: m.senderId,
          orchestrationType: 'notice',
          message: `Your message ${m.id} to terminal ${receiverId} is held, not delivered: ${reason}.`,
        }).catch((e: unknown) =>
          this.deps.log.warn('could not notify sender', { error: errorMessage(e) }),
        );
      }
    }
  }

  private retryAt(receiverId: string, at: number): void {
    clearTimeout(this.timers.get(receiverId));
    this.timers.set(
      receiverId,
      setTimeout(
        () => {
          this.timers.delete(receiverId);
          this.kick(receiverId);
        },
        Math.max(0, at - Date.now()),
      ),
    );
  }

  private publish(m: MessageRecord, state: MessageState): void {
    this.deps.bus.publish({
      type: 'message.state',
      message_id: m.id,
      sender_id: m.senderId,
      receiver_id: m.receiverId,
      state,
      error:
        state === 'failed' || (state === 'pending' && m.error?.includes(HELD_MARK))
          ? m.error
          : null,
    });
  }
}
